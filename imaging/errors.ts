// One error type for bad input anywhere in the engine: it names the file, the field and what was expected.

export class RadiomicsInputError extends Error {
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly expected: string | undefined;

  constructor(message: string, where: { file?: string; field?: string; expected?: string } = {}) {
    const parts = [where.file && `file ${where.file}`, where.field && `field '${where.field}'`].filter(Boolean);
    const prefix = parts.length ? `${parts.join(', ')}: ` : '';
    const suffix = where.expected ? ` (expected ${where.expected})` : '';
    super(`${prefix}${message}${suffix}`);
    this.name = 'RadiomicsInputError';
    this.file = where.file;
    this.field = where.field;
    this.expected = where.expected;
  }
}
