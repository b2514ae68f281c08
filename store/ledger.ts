// The prediction ledger's hash chain: each entry's hash covers its content and the hash of the study's previous entry
// (the first entry of a study links to LEDGER_GENESIS), so an entry changed, removed or inserted by hand breaks the
// chain at the first entry after it. SHA-256 (FIPS 180-4) over a JSON array of the fields in a fixed order, doubles in
// JavaScript's shortest round-trip form (which SQLite's REAL gives back unchanged).
import { createHash } from 'node:crypto';
import type { LedgerBreak, LedgerEntry, PredictionMode } from './types';

export const LEDGER_GENESIS = '0'.repeat(64);
const FORMAT = 'osteoflow-ledger/1';

/** What an entry's hash covers: everything but its position (seq) and the hashes themselves. */
export interface LedgerContent {
  studyId: string;
  pseudonym: string;
  timepoint: string;
  model: string;
  modelVersion: string;
  probability: number;
  featuresSha256: string | null;
  predictedAt: string;
  inSample: boolean | null;
  rescore: boolean | null;
  mode: PredictionMode;
  attempt: string | null;
}

export function ledgerEntryHash(prevHash: string, e: LedgerContent): string {
  const canonical = JSON.stringify([
    FORMAT,
    prevHash,
    e.studyId,
    e.pseudonym,
    e.timepoint,
    e.model,
    e.modelVersion,
    e.probability,
    e.featuresSha256,
    e.predictedAt,
    e.inSample,
    e.rescore,
    e.mode,
    e.attempt,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Walks entries in ledger order (seq ascending) and returns the first broken link: an entry whose recorded previous
 * hash is not the hash of the study's entry before it (one removed, inserted or reordered), or whose own hash does not
 * match its content (one edited). Null when every link holds.
 */
export function firstBreak(entries: readonly LedgerEntry[]): LedgerBreak | null {
  const last = new Map<string, { seq: number; hash: string }>();
  for (const e of entries) {
    const previous = last.get(e.studyId);
    const expected = previous?.hash ?? LEDGER_GENESIS;
    if (e.prevHash !== expected) {
      return {
        seq: e.seq,
        studyId: e.studyId,
        reason: previous
          ? `entry ${e.seq} links to ${e.prevHash.slice(0, 12)}…, but the study's entry before it (${previous.seq}) hashes to ${expected.slice(0, 12)}…: an entry between them was removed, inserted or reordered`
          : `entry ${e.seq} is the study's first but links to ${e.prevHash.slice(0, 12)}…, not the chain's start: an entry before it was removed`,
      };
    }
    const actual = ledgerEntryHash(e.prevHash, e);
    if (actual !== e.entryHash) {
      return {
        seq: e.seq,
        studyId: e.studyId,
        reason: `entry ${e.seq} (${e.pseudonym} ${e.timepoint}, ${e.model}@${e.modelVersion}) does not match its hash: its content was changed after it was written`,
      };
    }
    last.set(e.studyId, { seq: e.seq, hash: e.entryHash });
  }
  return null;
}
