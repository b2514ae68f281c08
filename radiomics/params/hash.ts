// A stable identity for validated parameters: sha256 of their canonical JSON (object keys sorted at every level,
// no whitespace), so the same settings hash the same whatever the file's key order, comments or defaults spelled out.
import { createHash } from 'node:crypto';
import type { ExtractionParams } from './types';

/** JSON with keys sorted recursively; non-finite numbers (NaN initValue) are written as strings to stay distinct. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
}

export function paramsHash(params: ExtractionParams): string {
  return createHash('sha256').update(canonicalJson(params)).digest('hex');
}
