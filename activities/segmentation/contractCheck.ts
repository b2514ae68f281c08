// Checks values against contract.schema.json, the segmentTumour contract shared with the Python worker.
import { checkSchema, describeProblems } from '../../models/segmentation/jsonSchema';
import CONTRACT_SCHEMA from '../../contracts/segmentation.schema.json';
import type { SegmentTumourInput, SegmentTumourResult } from '../../contracts/segmentation';

export { CONTRACT_SCHEMA };

/** Problems of `value` as the activity's input or result ('' when it conforms). */
export function contractProblems(part: 'input' | 'result', value: unknown): string {
  const root = CONTRACT_SCHEMA as unknown as Record<string, unknown>;
  return describeProblems(checkSchema(value, { $ref: `#/$defs/${part}` }, root));
}

export function isSegmentTumourInput(value: unknown): value is SegmentTumourInput {
  return contractProblems('input', value) === '';
}

export function isSegmentTumourResult(value: unknown): value is SegmentTumourResult {
  return contractProblems('result', value) === '';
}
