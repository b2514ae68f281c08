// One error type for bad input anywhere in the engine: it names the file, the field and what was expected, on one line.

export class RadiomicsInputError extends Error {
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly expected: string | undefined;

  constructor(message: string, where: { file?: string; field?: string; expected?: string } = {}) {
    const parts = [where.file && `file ${where.file}`, where.field && `field '${where.field}'`].filter(Boolean);
    const prefix = parts.length ? `${parts.join(', ')}: ` : '';
    const suffix = where.expected ? ` (expected ${where.expected})` : '';
    // One line, always: messages go into workflow histories, logs and notifications.
    super(`${prefix}${message}${suffix}`.replace(/\s*[\r\n]+\s*/g, ' '));
    this.name = 'RadiomicsInputError';
    this.file = where.file;
    this.field = where.field;
    this.expected = where.expected;
  }
}
