// A stack failure a person can act on: what is wrong, and what to do about it.

export class StackError extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}\n  fix: ${fix}`);
    this.name = 'StackError';
  }
}
