// How `osteoflow` reports a failure: one line with the cause (for a failed workflow, the root cause's type and
// message), exit 1; the stack trace only with OSTEOFLOW_DEBUG=1.
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { StackError } from '../../../config/stackError';
import { describeFailure, isDebug, main } from '../../../cli/main';

async function osteoflow(env: Record<string, string | undefined>, ...argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  const spies = [
    jest.spyOn(console, 'log').mockImplementation(() => undefined),
    jest.spyOn(console, 'error').mockImplementation((...a) => void (err += `${a.join(' ')}\n`)),
  ];
  try {
    return { code: await main(argv), err };
  } finally {
    for (const spy of spies) spy.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

jest.setTimeout(60000);

describe('describeFailure', () => {
  it("names a failed workflow's root cause by its type", () => {
    const root = ApplicationFailure.create({ type: 'ModelInputError', message: 'labels: too few labelled patients', nonRetryable: true });
    const err = new WorkflowFailedError(
      'Workflow execution failed',
      new ActivityFailure('activity failed', 'prepareTrainingSet', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', root),
      RetryState.NON_RETRYABLE_FAILURE,
    );
    expect(describeFailure(err)).toBe('Workflow execution failed (ModelInputError: labels: too few labelled patients)');
  });

  it('is one line', () => {
    expect(describeFailure(new Error('first\n  second\nthird'))).toBe('first second third');
    expect(describeFailure(new Error('fetch failed', { cause: new TypeError('connect ECONNREFUSED') }))).toBe('fetch failed (TypeError: connect ECONNREFUSED)');
    expect(describeFailure('plain text')).toBe('plain text');
  });

  it('keeps a StackError with its fix', () => {
    expect(describeFailure(new StackError('port 7233 is in use', 'choose another'))).toBe('port 7233 is in use\n  fix: choose another');
  });

  it('OSTEOFLOW_DEBUG turns debug output on', () => {
    expect(isDebug({})).toBe(false);
    expect(isDebug({ OSTEOFLOW_DEBUG: '0' })).toBe(false);
    expect(isDebug({ OSTEOFLOW_DEBUG: '1' })).toBe(true);
  });
});

describe('a command that fails', () => {
  const env = { OSTEOFLOW_CONFIG: '/nonexistent/osteoflow.config.json' };

  it('prints one line and exits 1', async () => {
    const r = await osteoflow({ ...env, OSTEOFLOW_DEBUG: undefined }, 'stack', 'status');
    expect(r.code).toBe(1);
    expect(r.err).toBe('osteoflow stack: configuration: OSTEOFLOW_CONFIG names /nonexistent/osteoflow.config.json, which does not exist\n');
  });

  it('adds the stack trace with OSTEOFLOW_DEBUG=1', async () => {
    const r = await osteoflow({ ...env, OSTEOFLOW_DEBUG: '1' }, 'stack', 'status');
    expect(r.code).toBe(1);
    expect(r.err.split('\n')[0]).toMatch(/^osteoflow stack: configuration: /);
    expect(r.err).toMatch(/\n\s+at .*config/);
  });
});
