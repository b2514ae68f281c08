// Timeouts and retry policies per activity, in one place (the table in README explains each choice).
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';

/** Errors that no retry can fix: a person or a new input must act. */
export const NON_RETRYABLE = ['QcFailed', 'RadiomicsInputError', 'StudyFileError', 'StoreConflictError', 'ModelInputError'];

const backoff: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE };

export const POLICIES: Record<'acquire' | 'qc' | 'features' | 'store' | 'predict' | 'notify', ActivityOptions> = {
  /** Copying a scan: a source that does not answer is retried for about 5 minutes before a person hears of it. */
  acquire: { startToCloseTimeout: '5 minutes', heartbeatTimeout: '30 seconds', retry: { ...backoff, maximumAttempts: 10 } },
  /** QC reads the files; its verdict is data, a failed verdict the non-retryable QcFailed. */
  qc: { startToCloseTimeout: '5 minutes', retry: { ...backoff, maximumAttempts: 5 } },
  /** Feature extraction is CPU-bound; heartbeats between images let a killed worker be noticed within 20 s. */
  features: { startToCloseTimeout: '30 minutes', heartbeatTimeout: '20 seconds', retry: { ...backoff, maximumAttempts: 5 } },
  /** Small store reads and writes. */
  store: { startToCloseTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 10 } },
  /** The model registry may be down for a while: retried, then the timeline records a note and carries on. */
  predict: { startToCloseTimeout: '2 minutes', retry: { ...backoff, maximumAttempts: 6 } },
  /** A notification that cannot be delivered must not break the timeline. */
  notify: { startToCloseTimeout: '30 seconds', retry: { ...backoff, maximumAttempts: 5 } },
};
