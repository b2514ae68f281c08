// Reads a PyRadiomics parameter file (YAML or JSON) and validates it. YAML is read as YAML 1.1, as PyYAML reads it
// for PyRadiomics (`yes`/`no` are booleans), with duplicate keys rejected rather than silently overwritten.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { RadiomicsInputError } from '../../imaging/errors';
import type { ExtractionParams } from './types';
import { validateParams, type ValidateOptions } from './validate';

/** Parses parameter-file text; `file` only names it in errors. */
export function parseParams(text: string, options: ValidateOptions = {}): ExtractionParams {
  let raw: unknown;
  try {
    raw = YAML.parse(text, { version: '1.1', uniqueKeys: true, prettyErrors: true });
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new RadiomicsInputError(`not valid YAML: ${message}`, {
      file: options.file,
      field: '(document)',
      expected: 'a YAML (or JSON) parameter file',
    });
  }
  return validateParams(raw, options);
}

export function loadParamsFile(file: string, options: Omit<ValidateOptions, 'file'> = {}): ExtractionParams {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RadiomicsInputError(`cannot read parameter file (${code ?? String(err)})`, {
      file,
      field: 'params',
      expected: 'a readable YAML parameter file',
    });
  }
  return parseParams(text, { ...options, file });
}
