import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NON_RETRYABLE, POLICIES } from '../../../workflows/policies';

const backoff = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' };
const nonRetryable = ['QcFailed', 'RadiomicsInputError', 'StudyFileError', 'StoreConflictError', 'ModelInputError', 'ParametersChangedError'];

describe('activity policies', () => {
  it('lists the errors no retry can fix', () => {
    expect(NON_RETRYABLE).toEqual(nonRetryable);
  });

  it('holds every activity option of the workflows, with these values', () => {
    expect(POLICIES).toEqual({
      acquire: {
        startToCloseTimeout: '5 minutes',
        heartbeatTimeout: '30 seconds',
        retry: { ...backoff, maximumAttempts: 10, nonRetryableErrorTypes: nonRetryable },
      },
      qc: { startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 5, nonRetryableErrorTypes: nonRetryable } },
      segmentation: {
        startToCloseTimeout: '30 minutes',
        heartbeatTimeout: '1 minute',
        retry: { ...backoff, maximumAttempts: 10, nonRetryableErrorTypes: [...nonRetryable, 'SegmentationInputError', 'SegmentationModelError'] },
      },
      features: {
        startToCloseTimeout: '30 minutes',
        heartbeatTimeout: '20 seconds',
        retry: { ...backoff, maximumAttempts: 5, nonRetryableErrorTypes: nonRetryable },
      },
      store: { startToCloseTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 10, nonRetryableErrorTypes: nonRetryable } },
      predict: { startToCloseTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 6, nonRetryableErrorTypes: nonRetryable } },
      notify: { startToCloseTimeout: '30 seconds', retry: { ...backoff, maximumAttempts: 5, nonRetryableErrorTypes: nonRetryable } },
      registry: { startToCloseTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 8, nonRetryableErrorTypes: nonRetryable } },
      scoring: {
        startToCloseTimeout: '30 minutes',
        heartbeatTimeout: '1 minute',
        retry: { ...backoff, maximumAttempts: 5, nonRetryableErrorTypes: nonRetryable },
      },
      training: {
        startToCloseTimeout: '2 hours',
        heartbeatTimeout: '1 minute',
        retry: { ...backoff, maximumAttempts: 3, nonRetryableErrorTypes: nonRetryable },
      },
      intake: {
        startToCloseTimeout: '30 minutes',
        heartbeatTimeout: '1 minute',
        retry: {
          ...backoff,
          maximumAttempts: 12,
          nonRetryableErrorTypes: [...nonRetryable, 'PacsRequestError', 'DeidentificationError', 'IntakeRefusedError', 'IntakeConfigurationError'],
        },
      },
      maskExport: {
        startToCloseTimeout: '15 minutes',
        heartbeatTimeout: '1 minute',
        retry: {
          ...backoff,
          maximumAttempts: 8,
          nonRetryableErrorTypes: [...nonRetryable, 'PacsRequestError', 'DeidentificationError', 'IntakeRefusedError', 'IntakeConfigurationError'],
        },
      },
    });
  });

  it('is where every workflow takes its options from, destructuring the activities each proxy runs', () => {
    const root = path.join(__dirname, '..', '..', '..', 'workflows');
    const sources = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const calls = sources.flatMap((file) =>
      [...readFileSync(path.join(root, file), 'utf8').matchAll(/^.*proxyActivities<\w+>\(.*$/gm)].map((m) => m[0].trim()),
    );
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls)
      expect(call).toMatch(
        /^const \{ [\w:, ]+ \} = proxyActivities<\w+>\((POLICIES\.\w+|\{ \.\.\.POLICIES\.\w+, taskQueue(, scheduleToStartTimeout: \w+)? \})\);$/,
      );
  });
});
