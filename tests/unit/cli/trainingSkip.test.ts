// When the main job trains: `trainability` asks the training set's own checks (the hold-out a study's first training
// locks, then nested cross-validation's minimum per outcome) about labelled counts, and `modelInputFailure` knows a
// training refused for its input by the failure's type, not its text.
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { modelInputFailure, trainability } from '../../../clients/training';
import { MIN_PER_CLASS } from '../../../models/dataset';

describe('trainability', () => {
  it('a first training needs the hold-out and MIN_PER_CLASS of each outcome besides it', () => {
    const verdict = trainability({ good: 2, poor: 4 }, { locksHoldout: true });
    expect(verdict.trainable).toBe(false);
    expect(verdict.needed - verdict.heldOut).toBe(MIN_PER_CLASS);
    expect(verdict).toEqual({ trainable: false, needed: 6, heldOut: 2 });
  });

  it('refuses counts that pass MIN_PER_CLASS but not once the hold-out is locked (12 patients: 4 good, 8 poor)', () => {
    expect(Math.min(4, 8)).toBeGreaterThanOrEqual(MIN_PER_CLASS);
    expect(trainability({ good: 4, poor: 8 }, { locksHoldout: true }).trainable).toBe(false);
    expect(trainability({ good: 5, poor: 7 }, { locksHoldout: true }).trainable).toBe(false);
  });

  it.each([
    [6, 6],
    [10, 14],
    [30, 6],
  ])('trains on %i good and %i poor responders', (good, poor) => {
    expect(trainability({ good, poor }, { locksHoldout: true }).trainable).toBe(true);
  });

  it('with the hold-out locked already, MIN_PER_CLASS of each is enough', () => {
    expect(trainability({ good: MIN_PER_CLASS, poor: MIN_PER_CLASS }, { locksHoldout: false })).toEqual({
      trainable: true,
      needed: MIN_PER_CLASS,
      heldOut: 0,
    });
    expect(trainability({ good: MIN_PER_CLASS - 1, poor: 20 }, { locksHoldout: false }).trainable).toBe(false);
  });

  it('a single outcome class is never trainable', () => {
    expect(trainability({ good: 0, poor: 40 }, { locksHoldout: true }).trainable).toBe(false);
    expect(trainability({ good: 40, poor: 0 }, { locksHoldout: false }).trainable).toBe(false);
  });

  it('a larger hold-out share needs more patients', () => {
    const verdict = trainability({ good: 6, poor: 6 }, { locksHoldout: true, holdoutFraction: 0.5 });
    expect(verdict).toEqual({ trainable: false, needed: 8, heldOut: 4 });
  });
});

describe('modelInputFailure', () => {
  const failed = (cause: Error) =>
    new WorkflowFailedError(
      'Workflow execution failed',
      new ActivityFailure('activity failed', 'prepareTrainingSet', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause),
      RetryState.NON_RETRYABLE_FAILURE,
    );

  it('finds the ModelInputError under the activity failure', () => {
    const cause = ApplicationFailure.create({ type: 'ModelInputError', message: 'labels: too few labelled patients', nonRetryable: true });
    expect(modelInputFailure(failed(cause))).toBe(cause);
  });

  it('ignores other failures, whatever their message says', () => {
    const other = ApplicationFailure.create({ type: 'MlflowError', message: 'ModelInputError: too few labelled patients' });
    expect(modelInputFailure(failed(other))).toBeUndefined();
    expect(modelInputFailure(new Error('ModelInputError'))).toBeUndefined();
    expect(modelInputFailure(undefined)).toBeUndefined();
  });
});
