// Timeouts and retry policies of every activity the workflows run, in one place (the table in README explains each
// choice). A workflow passes these to proxyActivities and names its proxies after the activities they run. Every
// activity either heartbeats within a minute or must finish within a minute, so a killed worker is noticed in one.
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { INTAKE_NON_RETRYABLE_ERRORS, NON_RETRYABLE_ERRORS, SEGMENTATION_NON_RETRYABLE_ERRORS } from '../contracts/errors';

/** Errors that no retry can fix: a person or a new input must act. */
export const NON_RETRYABLE: string[] = [...NON_RETRYABLE_ERRORS];

const backoff: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE };

export type PolicyName =
  'acquire' | 'qc' | 'segmentation' | 'features' | 'store' | 'predict' | 'notify' | 'registry' | 'scoring' | 'training' | 'intake' | 'maskExport';

export const POLICIES: Record<PolicyName, ActivityOptions> = {
  // ---- PatientTimeline and Timepoint (pipeline task queue) ----
  /** Copying a scan: a source that does not answer is retried for about 5 minutes before a person hears of it. */
  acquire: { startToCloseTimeout: '5 minutes', heartbeatTimeout: '30 seconds', retry: { ...backoff, maximumAttempts: 10 } },
  /** QC reads the files (heartbeats before and after); its verdict is data, a failed verdict the non-retryable QcFailed. */
  qc: { startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 5 } },
  /**
   * segmentTumour, on the study's segmentation task queue (the Timepoint adds it): without a worker there it waits for
   * one (past the study's `segmentation.workerWait` the timepoint needs attention, and the step waits on); heartbeats while reading and during inference let a killed worker be noticed
   * within a minute. Bad input and a model package that cannot be served are not retried.
   */
  segmentation: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    // 10 attempts ride out about 5 minutes of a store or worker outage before the timepoint needs attention.
    retry: { ...backoff, maximumAttempts: 10, nonRetryableErrorTypes: [...NON_RETRYABLE, ...SEGMENTATION_NON_RETRYABLE_ERRORS] },
  },
  /** Feature extraction is CPU-bound; heartbeats between images let a killed worker be noticed within 20 s. */
  features: { startToCloseTimeout: '30 minutes', heartbeatTimeout: '20 seconds', retry: { ...backoff, maximumAttempts: 5 } },
  /** Small store reads and writes. */
  store: { startToCloseTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 10 } },
  /** The model registry may be down for a while: retried, then the timeline records a note and carries on. */
  predict: { startToCloseTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 6 } },
  /** A notification that cannot be delivered must not break the timeline. */
  notify: { startToCloseTimeout: '30 seconds', retry: { ...backoff, maximumAttempts: 5 } },

  // ---- Training and Promotion (training task queue) ----
  /** MLflow registry calls (resolve, register, alias, tag): the server may be down for a while, so more attempts. */
  registry: { startToCloseTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 8 } },
  /** Scoring the locked hold-out and re-scoring the study's patients (a heartbeat per patient re-scored). */
  scoring: { startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 5 } },
  /**
   * Assembling the training set, the robustness screen and nested CV: up to hours of CPU, on worker threads while the
   * activity heartbeats every 10 s, so a killed worker is noticed within a minute and its step retried elsewhere.
   */
  training: { startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry: { ...backoff, maximumAttempts: 3 } },
  // ---- PacsIntake (pipeline task queue) ----
  /**
   * Reading the PACS's change feed and taking in the new series (WADO-RS, de-identification, registration), a
   * heartbeat per series. A PACS that is down is retried for about 10 minutes, then the next poll tries again; a
   * series the PACS or de-identification refuses goes to the review list instead.
   */
  intake: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    retry: { ...backoff, maximumAttempts: 12, nonRetryableErrorTypes: [...NON_RETRYABLE, ...INTAKE_NON_RETRYABLE_ERRORS] },
  },
  /**
   * An automatic mask stored back in the PACS as a SEG (Timepoint, pipeline task queue): retrieving the original series
   * heartbeats. A PACS that is down is retried for about 5 minutes; then the timepoint records the export as failed and
   * completes all the same, since the features do not depend on it.
   */
  maskExport: {
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '1 minute',
    retry: { ...backoff, maximumAttempts: 8, nonRetryableErrorTypes: [...NON_RETRYABLE, ...INTAKE_NON_RETRYABLE_ERRORS] },
  },
};
