// One patient: the timeline (each timepoint's state, due date and window, scans, QC verdict with its reasons, why it
// waits for a person, a mosaic per scan with the mask outlined, the actions), features and deltas with trend plots,
// and the prediction with its model version and history. It follows the study's live events.
import { useQuery } from '@tanstack/react-query';
import type { PatientResponse, TimepointDetail } from '../../../../contracts/console';
import { useEffect, useState } from 'react';
import { api, apiBlob, mosaicPath, patientPath } from '../api';
import { PatientActions, TimepointActions } from '../components/Actions';
import { ErrorMessage, Loading, Time } from '../components/Feedback';
import { formatNumber, Sparkline } from '../components/Sparkline';
import { StateBadge } from '../components/StateBadge';
import { FeatureTrends, NamedDeltas } from '../components/Trends';
import { patientKey, useStudyEvents } from '../events';
import { cohortHref, Link, usePageTitle } from '../router';
import { TableScroll } from '../components/TableScroll';

const percent = (p: number): string => `${(p * 100).toFixed(1)} %`;

export function PatientPage({ study, patient }: { study: string; patient: string }) {
  usePageTitle(`${patient} · ${study}`);
  const query = useQuery({ queryKey: patientKey(study, patient), queryFn: () => api<PatientResponse>(patientPath(study, patient)) });
  const live = useStudyEvents(study);
  const p = query.data;

  return (
    <>
      <p className="breadcrumb">
        <Link href={cohortHref(study, null)}>Cohort {study}</Link> <span aria-hidden="true">›</span> {patient}
      </p>
      <h1 tabIndex={-1}>
        Patient {patient} {p && <StateBadge state={p.state} />}
      </h1>
      <p className={`live live-${live}`} role="status">
        {live === 'live'
          ? 'Live: this page updates as the timeline moves.'
          : live === 'connecting'
            ? 'Connecting to live updates…'
            : 'Live updates interrupted; reconnecting…'}
      </p>
      {query.isPending && <Loading what="the patient" />}
      <ErrorMessage error={query.error} title="The patient could not be read" />
      {p && <PatientBody study={study} p={p} />}
    </>
  );
}

function PatientBody({ study, p }: { study: string; p: PatientResponse }) {
  return (
    <>
      <dl className="facts">
        <dt>Study</dt>
        <dd>{p.studyId}</dd>
        <dt>Stage</dt>
        <dd>{p.stage}</dd>
        <dt>Enrolled</dt>
        <dd>
          <Time iso={p.enrolledAt} />
        </dd>
        <dt>Pathology</dt>
        <dd>
          {p.pathology ? (
            <>
              necrosis {p.pathology.necrosisPct} %, Huvos {p.pathology.huvosGrade}, reported <Time iso={p.pathology.date} dateOnly />
            </>
          ) : (
            'not recorded yet'
          )}
        </dd>
        {p.withdrawn && (
          <>
            <dt>Withdrawn</dt>
            <dd>
              <Time iso={p.withdrawn.at} />: {p.withdrawn.reason}
            </dd>
          </>
        )}
      </dl>

      <section aria-labelledby="prediction-heading">
        <h2 id="prediction-heading">Prediction</h2>
        <Prediction p={p} />
      </section>

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <ol className="timeline">
          {p.timepoints.map((tp) => (
            <li key={tp.name}>
              <Timepoint study={study} patient={p.pseudonym} tp={tp} />
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="deltas-heading">
        <h2 id="deltas-heading">Deltas</h2>
        <NamedDeltas timepoints={p.timepoints} />
      </section>

      <section aria-labelledby="features-heading">
        <h2 id="features-heading">Features</h2>
        <FeatureTrends timepoints={p.timepoints} />
      </section>

      <section aria-labelledby="patient-actions-heading">
        <h2 id="patient-actions-heading">Patient actions</h2>
        <PatientActions study={study} patient={p.pseudonym} current={p} />
      </section>
    </>
  );
}

function Prediction({ p }: { p: PatientResponse }) {
  const history = p.predictions;
  return (
    <>
      <p>
        {p.latestPrediction ? (
          <>
            Latest: probability of a good response (necrosis ≥ 90 %) <strong>{percent(p.latestPrediction.probability)}</strong> by model{' '}
            <code>{p.latestPrediction.model}</code>.
          </>
        ) : (
          'No prediction yet.'
        )}
      </p>
      {history.length > 0 && (
        <>
          <p>
            History:{' '}
            <Sparkline
              name="Predicted probability of a good response over time"
              width={160}
              points={history.map((h) => ({ label: `#${h.seq} ${h.timepoint} ${h.model}@${h.modelVersion}`, value: h.probability }))}
            />
          </p>
          <TableScroll label="Prediction history">
            <table>
              <caption>Every prediction for this patient, oldest first</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Timepoint</th>
                  <th scope="col">Model version</th>
                  <th scope="col">Probability</th>
                  <th scope="col">Mode</th>
                  <th scope="col">Re-score</th>
                  <th scope="col">In training set</th>
                </tr>
              </thead>
              <tbody>
                {history.map((h) => (
                  <tr key={h.seq}>
                    <td>{h.seq}</td>
                    <td>
                      <Time iso={h.predictedAt} />
                    </td>
                    <td>{h.timepoint}</td>
                    <td>
                      <code>
                        {h.model}@{h.modelVersion}
                      </code>
                    </td>
                    <td className="num">{percent(h.probability)}</td>
                    <td>{h.mode === 'live' ? 'live (champion)' : 'silent (challenger)'}</td>
                    <td>{h.rescore == null ? 'unknown' : h.rescore ? 'yes' : 'no'}</td>
                    <td>{h.inSample == null ? 'unknown' : h.inSample ? 'yes (in-sample)' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
    </>
  );
}

function Timepoint({ study, patient, tp }: { study: string; patient: string; tp: TimepointDetail }) {
  const headingId = `tp-${tp.name}`;
  return (
    <article className={`timepoint tp-${tp.state}`} aria-labelledby={headingId} data-timepoint={tp.name} data-state={tp.state}>
      <h3 id={headingId}>
        {tp.name} <StateBadge state={tp.state} />
      </h3>
      <dl className="facts">
        <dt>Due</dt>
        <dd>
          <Time iso={tp.dueAt} dateOnly />, window until <Time iso={tp.windowEndsAt} dateOnly />
        </dd>
        <dt>Pipeline status</dt>
        <dd>
          {tp.status} ({tp.runs} run{tp.runs === 1 ? '' : 's'})
        </dd>
        <dt>Scans</dt>
        <dd>
          {tp.scans.length === 0
            ? 'none registered'
            : tp.scans.map((s, i) => (
                <span key={`${s.modality}-${i}`} className="scan">
                  {s.modality}: {s.fileName} (<Time iso={s.registeredAt} />)
                </span>
              ))}
        </dd>
        {tp.segmentation && (
          <>
            <dt>Automatic mask</dt>
            <dd>
              {tp.segmentation.model} on {tp.segmentation.device} ({tp.segmentation.precision}, {tp.segmentation.runtime}),{' '}
              {formatNumber(tp.segmentation.tumourMl)} ml in {(tp.segmentation.totalMs / 1000).toFixed(1)} s
              {tp.segmentation.pacsExport && <>; {tp.segmentation.pacsExport}</>}
            </dd>
          </>
        )}
        {tp.prediction && (
          <>
            <dt>Prediction here</dt>
            <dd>
              {percent(tp.prediction.probability)} by <code>{tp.prediction.model}</code>
            </dd>
          </>
        )}
        {tp.note && (
          <>
            <dt>Note</dt>
            <dd>{tp.note}</dd>
          </>
        )}
        {tp.retried && (
          <>
            <dt>Retried</dt>
            <dd>
              by {tp.retried.who} at <Time iso={tp.retried.at} />: {tp.retried.reason}
            </dd>
          </>
        )}
      </dl>
      {tp.attention && (
        <div className="attention" role="note">
          <strong>Waiting for a person ({tp.attention.code}) since </strong>
          <Time iso={tp.attention.at} />: {tp.attention.message}
        </div>
      )}
      <Qc tp={tp} />
      <Masks tp={tp} />
      <Mosaics study={study} patient={patient} tp={tp} />
      <details className="tp-actions" open={tp.state === 'qc-failed' || tp.state === 'needs-attention'}>
        <summary>Actions on {tp.name}</summary>
        <TimepointActions study={study} patient={patient} tp={tp} />
      </details>
    </article>
  );
}

function Qc({ tp }: { tp: TimepointDetail }) {
  if (!tp.qc) return <p>QC: no verdict yet.</p>;
  const { qc } = tp;
  return (
    <div className={`qc ${qc.passed ? 'qc-passed' : 'qc-failed'}`}>
      <p>
        <strong>QC {qc.passed ? 'passed' : 'failed'}</strong>
        {qc.override && (
          <>
            {' '}
            — overridden by {qc.override.who}: {qc.override.reason}
          </>
        )}
      </p>
      {qc.findings.length > 0 ? (
        <ul aria-label={`QC reasons for ${tp.name}`}>
          {qc.findings.map((f, i) => (
            <li key={i}>
              <code>{f.code}</code>: {f.message}
            </li>
          ))}
        </ul>
      ) : (
        qc.reasons.length > 0 && (
          <ul aria-label={`QC reasons for ${tp.name}`}>
            {qc.reasons.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        )
      )}
    </div>
  );
}

/**
 * The stored image's and its contour's hashes (its own mask, stored as 'mask:<modality>', else the shared one): they
 * change with a new scan or mask, and the mosaic is fetched again.
 */
function storedVersion(tp: TimepointDetail, modality: string): string {
  const image = tp.stored.filter((s) => s.role === 'image' && s.modality === modality).at(-1);
  const masks = tp.stored.filter((s) => s.role === 'mask');
  const mask = masks.filter((s) => s.modality === `mask:${modality}`).at(-1) ?? masks.filter((s) => s.modality === 'mask').at(-1);
  return `${image?.sha256 ?? ''}/${mask?.sha256 ?? ''}`;
}

/** The contours the latest run used: which image each is for, what it was registered as, the ROI taken. */
function Masks({ tp }: { tp: TimepointDetail }) {
  if (tp.masks.length === 0) return null;
  return (
    <table className="masks">
      <caption>Masks used at {tp.name}</caption>
      <thead>
        <tr>
          <th scope="col">Image</th>
          <th scope="col">Kind</th>
          <th scope="col">ROI</th>
        </tr>
      </thead>
      <tbody>
        {tp.masks.map((m, i) => (
          <tr key={`${m.for ?? 'all'}-${i}`}>
            <th scope="row">{m.for ?? 'all images on its grid'}</th>
            <td>{m.kind}</td>
            <td>{m.roi ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Mosaics({ study, patient, tp }: { study: string; patient: string; tp: TimepointDetail }) {
  if (tp.mosaics.length === 0) return <p className="sub">No mosaic yet: one is drawn for each stored scan with a mask.</p>;
  return (
    <div className="mosaics">
      {tp.mosaics.map((modality) => (
        <Mosaic
          key={modality}
          path={mosaicPath(study, patient, tp.name, modality)}
          version={storedVersion(tp, modality)}
          alt={`${modality} slices of ${patient} at ${tp.name}, tumour mask outlined`}
          caption={`${modality} at ${tp.name}, ${tp.stored.some((s) => s.modality === `mask:${modality}`) ? `its own ${modality} mask` : 'the shared mask'} outlined`}
        />
      ))}
    </div>
  );
}

/**
 * One mosaic PNG, fetched (not left to the image cache, which would keep showing the scan a re-scan replaced) and shown
 * from a blob address; a mosaic the server cannot draw shows its message instead.
 */
function Mosaic({ path, version, alt, caption }: { path: string; version: string; alt: string; caption: string }) {
  const [image, setImage] = useState<{ url: string } | { error: unknown } | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    let url: string | null = null;
    apiBlob(path, { signal: controller.signal }).then(
      (blob) => {
        url = URL.createObjectURL(blob);
        setImage({ url });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setImage({ error });
      },
    );
    return () => {
      controller.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [path, version]);
  return (
    <figure>
      {image == null && <p className="loading">Drawing the mosaic…</p>}
      {image && 'url' in image && <img src={image.url} alt={alt} width={256} />}
      {image && 'error' in image && <ErrorMessage error={image.error} title="No mosaic" quiet />}
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
