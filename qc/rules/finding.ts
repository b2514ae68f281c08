import type { QcFinding, QcReasonCode } from '../../contracts/qc';

export function finding(code: QcReasonCode, message: string, modality?: string): QcFinding {
  return modality === undefined ? { code, message } : { code, modality, message };
}
