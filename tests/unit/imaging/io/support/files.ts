// Scratch folders and assertions shared by the I/O tests.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RadiomicsInputError } from '../../../../../imaging/errors';

/** A fresh temporary folder, removed after the test file. */
export function scratchDir(prefix: string): { dir: string; file: (name: string) => string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `osteoflow-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, file: (name: string) => path.join(dir, name) };
}

/** Asserts that `fn` throws a RadiomicsInputError naming the file and the field (and, optionally, a message part). */
export function expectInputError(fn: () => unknown, where: { file: string; field: string; message?: RegExp }): RadiomicsInputError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(RadiomicsInputError);
  const err = caught as RadiomicsInputError;
  expect(err.file).toBe(where.file);
  expect(err.field).toBe(where.field);
  expect(err.expected).toBeTruthy();
  expect(err.message).toContain(where.file);
  if (where.message) expect(err.message).toMatch(where.message);
  return err;
}
