// One error type for bad input to the statistics and learning code: it names the argument (or feature) at fault.

export class ModelInputError extends Error {
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'ModelInputError';
    this.field = field;
  }
}
