// The cohort: every patient of a study × its timepoints, each cell a state badge (words, glyph and colour) with its
// due date and reason; patients waiting for a person first; filters by study and state kept in the address; live
// updates from the study's event stream.
import { useEffect } from 'react';
import { useQuery } from '@tanstack/react-query';
import { TIMEPOINT_STATES, type CohortPatient, type CohortResponse, type StudiesResponse, type TimepointState } from '../../../../contracts/console';
import { api, seg } from '../api';
import { ErrorMessage, Loading, Time } from '../components/Feedback';
import { STATE_LABELS, StateBadge } from '../components/StateBadge';
import { cohortKey, useStudyEvents, type LiveStatus } from '../events';
import { cohortHref, Link, navigate, patientHref, usePageTitle } from '../router';
import { TableScroll } from '../components/TableScroll';

const isState = (value: string | null): value is TimepointState => value != null && (TIMEPOINT_STATES as readonly string[]).includes(value);

/** A patient matches a state filter when the patient or any of its timepoints is in that state. */
export function matchesState(patient: CohortPatient, state: TimepointState | null): boolean {
  return state == null || patient.state === state || patient.cells.some((cell) => cell.state === state);
}

export function CohortPage({ study, state }: { study: string | null; state: string | null }) {
  usePageTitle(study ? `Cohort ${study}` : 'Cohort');
  const studies = useQuery({ queryKey: ['studies'], queryFn: () => api<StudiesResponse>('/api/studies') });
  const filter = isState(state) ? state : null;

  // No study chosen: the first one (the address then names it, so a reload or a shared link shows the same).
  const first = studies.data?.studies[0]?.studyId ?? null;
  useEffect(() => {
    if (!study && first) navigate(cohortHref(first, filter), { replace: true });
  }, [study, first, filter]);

  const cohort = useQuery({
    queryKey: cohortKey(study ?? ''),
    queryFn: () => api<CohortResponse>(`/api/studies/${seg(study!)}/cohort`),
    enabled: study != null,
  });
  const live = useStudyEvents(study);

  return (
    <>
      <h1 tabIndex={-1}>Cohort{study ? ` ${study}` : ''}</h1>
      <ErrorMessage error={studies.error} title="Studies could not be read" />
      <form className="filters" aria-label="Cohort filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="study-filter">Study</label>
          <select id="study-filter" value={study ?? ''} onChange={(e) => navigate(cohortHref(e.target.value || null, filter))}>
            {!study && <option value="">Choose a study</option>}
            {studies.data?.studies.map((s) => (
              <option key={s.studyId} value={s.studyId}>
                {s.studyId} ({s.patients} patients, {s.needingAction} needing a person)
              </option>
            ))}
            {study && !studies.data?.studies.some((s) => s.studyId === study) && <option value={study}>{study}</option>}
          </select>
        </div>
        <div className="field">
          <label htmlFor="state-filter">State</label>
          <select id="state-filter" value={filter ?? ''} onChange={(e) => navigate(cohortHref(study, e.target.value || null))}>
            <option value="">All states</option>
            {TIMEPOINT_STATES.map((s) => (
              <option key={s} value={s}>
                {STATE_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <LiveIndicator status={live} />
      </form>
      {studies.data && studies.data.studies.length === 0 && <p>No study has enrolled patients yet.</p>}
      {study && cohort.isPending && <Loading what="the cohort" />}
      <ErrorMessage error={cohort.error} title="The cohort could not be read" />
      {cohort.data && <CohortTable cohort={cohort.data} filter={filter} />}
    </>
  );
}

function LiveIndicator({ status }: { status: LiveStatus }) {
  const text = {
    connecting: 'Connecting to live updates…',
    live: 'Live: updates appear as they happen',
    reconnecting: 'Live updates interrupted; reconnecting…',
  }[status];
  return (
    <p className={`live live-${status}`} role="status">
      <span aria-hidden="true">{status === 'live' ? '●' : '○'} </span>
      {text}
    </p>
  );
}

function CohortTable({ cohort, filter }: { cohort: CohortResponse; filter: TimepointState | null }) {
  const shown = cohort.patients.filter((p) => matchesState(p, filter));
  const waiting = shown.filter((p) => p.needsAction).length;
  return (
    <>
      <p>
        {shown.length} of {cohort.patients.length} patients shown{filter ? ` (a timepoint ${STATE_LABELS[filter].toLowerCase()})` : ''}; {waiting} waiting for a
        person, listed first. Read at <Time iso={cohort.at} />.
      </p>
      <TableScroll label="Cohort table">
        <table className="cohort">
          <caption>
            Patients of {cohort.studyId} by timepoint {filter ? `, filtered to ${STATE_LABELS[filter]}` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Patient state</th>
              {cohort.timepoints.map((tp) => (
                <th scope="col" key={tp}>
                  {tp}
                </th>
              ))}
              <th scope="col">Latest prediction</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.pseudonym} className={p.needsAction ? 'needs-action' : undefined} data-pseudonym={p.pseudonym}>
                <th scope="row">
                  <Link href={patientHref(cohort.studyId, p.pseudonym)}>{p.pseudonym}</Link>
                  {p.needsAction && <span className="tag">needs a person</span>}
                </th>
                <td>
                  <StateBadge state={p.state} />
                  <div className="sub">{p.stage}</div>
                </td>
                {cohort.timepoints.map((tp) => {
                  const cell = p.cells.find((c) => c.timepoint === tp);
                  return (
                    <td key={tp} data-timepoint={tp} data-state={cell?.state}>
                      {cell ? (
                        <>
                          <StateBadge state={cell.state} detail={cell.detail} />
                          <div className="sub">
                            due <Time iso={cell.dueAt} dateOnly />
                          </div>
                          {cell.detail && <div className="detail">{cell.detail}</div>}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                  );
                })}
                <td>
                  {p.latestPrediction ? (
                    <>
                      P(good response) {(p.latestPrediction.probability * 100).toFixed(0)} %<div className="sub">{p.latestPrediction.model}</div>
                    </>
                  ) : (
                    'none yet'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {shown.length === 0 && <p>No patient matches this filter.</p>}
    </>
  );
}
