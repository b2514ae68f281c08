// The PACS side of osteoflow: a DICOMweb client (QIDO-RS, WADO-RS, STOW-RS), Orthanc's change feed, C-STORE through
// DCMTK, de-identification on ingest (PS3.15 Annex E Basic Profile), and intake's decision for each new series.
export {
  DicomwebClient,
  dicomValue,
  seriesSummary,
  studySummary,
  type DicomJson,
  type QidoQuery,
  type RetrievedSeries,
  type RetrieveOptions,
} from './dicomweb';
export { type RetrieveProgress, type SeriesSummary, type StoreResult, type StudySummary } from './dicomweb';
export { OrthancClient, type ChangePage, type OrthancChange, type StableSeries } from './orthanc';
export { sendWithStorescu, type DicomTarget } from './storescu';
export { deidentifySeries, mapUid, dateOffsetDays, type DeidentifiedSeries, type DeidentifyOptions } from './deidentify';
export { PROFILE, DEIDENTIFICATION_CODES, type ProfileRule } from './confidentialityProfile';
export { PacsHttp, type PacsConnection, type PacsCredentials } from './http';
export { DeidentificationError, PacsRequestError, PacsUnavailableError, isRetryablePacsError } from './errors';
export { IdentityMap, IdentityMapError, loadIdentityKey, type IdentityEntry } from './identityMap';
export { exportSegmentation, type SegExport } from './segExport';
export { decideSeries, dicomDay, modalitiesMatching, type IntakeContext } from './intakeMatch';
