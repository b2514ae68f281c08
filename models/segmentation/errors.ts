// Errors of the segmentation layer. Each names what is at fault (a file, a field, a channel, an axis) and what was
// expected, so that the message alone tells a person what to fix. Both are non-retryable: a retry changes nothing.

export interface ErrorPlace {
  file?: string;
  field?: string;
  expected?: string;
}

function compose(message: string, where: ErrorPlace): string {
  const parts = [where.file && `file ${where.file}`, where.field && `field '${where.field}'`].filter(Boolean);
  const prefix = parts.length ? `${parts.join(', ')}: ` : '';
  const suffix = where.expected ? ` (expected ${where.expected})` : '';
  return `${prefix}${message}${suffix}`;
}

/** A model package that cannot be used: missing or malformed sidecar, missing or altered ONNX file, wrong input rank. */
export class SegmentationModelError extends Error {
  readonly file: string | undefined;
  readonly field: string | undefined;

  constructor(message: string, where: ErrorPlace = {}) {
    super(compose(message, where));
    this.name = 'SegmentationModelError';
    this.file = where.file;
    this.field = where.field;
  }
}

/** Images that the model cannot segment: a modality it needs is missing, grids disagree, the image is smaller than the patch. */
export class SegmentationInputError extends Error {
  readonly file: string | undefined;
  readonly field: string | undefined;

  constructor(message: string, where: ErrorPlace = {}) {
    super(compose(message, where));
    this.name = 'SegmentationInputError';
    this.file = where.file;
    this.field = where.field;
  }
}
