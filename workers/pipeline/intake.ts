// What intake's activities need on a pipeline worker, opened on first use (a worker whose study has no intake never
// touches them): a Temporal client for registrations, the PACS (ORTHANC_URL's or the embedded Orthanc), and the
// identifier map with the de-identification secret derived from its key. Also the secret with which acquisition
// de-identifies DICOM registered by hand: the same one wherever the key is configured.
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { OsteoflowConfig } from '../../config';
import { currentEndpoints } from '../../config/endpoints';
import { connectClient } from '../../config/temporal';
import type { IntakeDeps } from '../../activities/intake/activities';
import { DicomwebClient, IdentityMap, loadIdentityKey, OrthancClient } from '../../pacs';
import { deidentificationSecret } from '../../pacs/deidentify';
import { siteSecret, type AcquisitionDeidentification } from '../../activities/pipeline/deidentifyScan';

/** The site secret's file when no identifier map key is configured (deidentifyScan.ts's siteSecret says why). */
export const SITE_SECRET_FILE = 'deidentification-secret';

/**
 * The secret acquisition de-identifies with: derived from the identifier map's key where one is configured — intake's
 * own, so that a contour registered by hand still references the image series intake took in — and else the site's
 * secret file in the data folder, made on first use. Read once per worker, when a DICOM file is first acquired.
 */
export function acquisitionDeidentification(cfg: OsteoflowConfig): AcquisitionDeidentification {
  let secret: Buffer | undefined;
  return {
    secret: () =>
      (secret ??= cfg.identity.keyFile ? deidentificationSecret(loadIdentityKey(cfg.identity.keyFile)) : siteSecret(path.join(cfg.dataDir, SITE_SECRET_FILE))),
  };
}

function notConfigured(what: string): never {
  throw ApplicationFailure.nonRetryable(`PACS intake: ${what}`, 'IntakeConfigurationError');
}

export function intakeDeps(cfg: OsteoflowConfig, temporalAddress: string): IntakeDeps {
  let client: Promise<Client> | undefined;
  let pacs: ReturnType<IntakeDeps['pacs']> | undefined;
  let key: Buffer | undefined;
  let map: IdentityMap | undefined;
  const identityKey = () => {
    if (!cfg.identity.keyFile)
      notConfigured('no identifier map key is configured (set OSTEOFLOW_IDENTITY_KEY to the key file; `osteoflow identity` makes one)');
    return (key ??= loadIdentityKey(cfg.identity.keyFile));
  };
  return {
    client: () => (client ??= connectClient(temporalAddress, cfg.temporal)),
    pacs: () => {
      if (pacs) return pacs;
      const orthanc = currentEndpoints(cfg).orthanc ?? notConfigured('no PACS: set ORTHANC_URL, or start the stack with its embedded Orthanc');
      const connection = { url: orthanc.url, credentials: orthanc.credentials };
      return (pacs = { orthanc: new OrthancClient(connection), dicomweb: new DicomwebClient(connection) });
    },
    identity: () => (map ??= IdentityMap.open(cfg.identity.mapFile ?? path.join(cfg.dataDir, 'identity-map.enc'), identityKey())),
    // One key to keep: the de-identification secret (UID mapping, date shift, series keys) is derived from the map's.
    secret: () => deidentificationSecret(identityKey()),
    // The worker's log, with the activity's workflow and attempt beside each line (lines carry pseudonyms only).
    log: (line) => Context.current().log.info(line),
  };
}
