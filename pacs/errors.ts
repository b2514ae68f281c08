// Failures of the PACS client and of de-identification. Messages name the request's route (a path template such as
// /dicom-web/studies/{study}/series/{series}, never the UIDs or query values in it), what happened and what was
// expected; they never quote patient data or a file's content.

/** The PACS did not answer, or answered that it cannot serve now (5xx, 429, 408): trying again later may succeed. */
export class PacsUnavailableError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    readonly route: string,
  ) {
    super(message);
    this.name = 'PacsUnavailableError';
  }
}

/** The PACS refused the request or answered with something other than what was expected: a person must act. */
export class PacsRequestError extends Error {
  readonly retryable = false;
  constructor(
    message: string,
    readonly route: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PacsRequestError';
  }
}

/** A file or series that de-identification refuses (burned-in annotation, an unsupported encoding, …): not retryable. */
export class DeidentificationError extends Error {
  readonly retryable = false;
  constructor(
    message: string,
    /** The file, as a path the caller gave (never its content). */
    readonly file: string,
    /** A stable code: 'burned-in-annotation', 'not-dicom', 'unsupported-encoding', 'mixed-patients', 'output-exists', 'unreadable'. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'DeidentificationError';
  }
}

export type PacsError = PacsUnavailableError | PacsRequestError;

/** True for the errors that a later attempt may not meet again. */
export function isRetryablePacsError(err: unknown): boolean {
  return err instanceof PacsUnavailableError;
}
