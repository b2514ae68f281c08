// The PACS review list: for each study with an intake, the series intake could not place (why, and since when), each
// with the two coordinator actions, assign (to a patient's timepoint, as a scan or as the contour of one image) and
// dismiss, both with a note; then the resolved series with who, when and why. The list is read again every few
// seconds, so entries intake adds (or another coordinator resolves) appear without a reload.
import { useId, useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AssignSeriesRequest,
  CohortResponse,
  DismissSeriesRequest,
  IntakeActionResponse,
  IntakeEntryView,
  IntakeResponse,
  IntakeStudyView,
  PatientResponse,
} from '../../../../contracts/console';
import { api, ApiError, patientPath, seg } from '../api';
import { ErrorMessage, Loading, Notice, Time } from '../components/Feedback';
import { GatedForm } from '../components/GatedForm';
import { TableScroll } from '../components/TableScroll';
import { cohortKey, patientKey } from '../events';
import { usePageTitle } from '../router';
import { lacking, useSession } from '../session';

const INTAKE_KEY = ['intake'] as const;
const REFRESH_MS = 5000;

export function IntakePage() {
  usePageTitle('PACS review list');
  const intake = useQuery({ queryKey: INTAKE_KEY, queryFn: () => api<IntakeResponse>('/api/intake'), refetchInterval: REFRESH_MS });
  return (
    <>
      <h1 tabIndex={-1}>PACS review list</h1>
      <p className="sub">
        Series the PACS intake could not place on a patient&apos;s timepoint by itself. Assign each to a timepoint, or dismiss it; either needs a note, and both
        are audited.
      </p>
      {intake.isPending && <Loading what="the review list" />}
      <ErrorMessage error={intake.error} title="The review list could not be read" />
      {intake.data?.studies.length === 0 && <p>No study takes scans in from the PACS.</p>}
      {intake.data?.studies.map((study) => (
        <StudyIntake key={study.studyId} study={study} />
      ))}
    </>
  );
}

function StudyIntake({ study }: { study: IntakeStudyView }) {
  const headingId = `intake-${study.studyId}`;
  return (
    <section aria-labelledby={headingId} className="intake" data-study={study.studyId}>
      <h2 id={headingId}>
        {study.studyId}: {study.open.length} waiting
      </h2>
      {study.attention && (
        <div className="attention" role="note">
          <strong>The PACS has not answered since </strong>
          <Time iso={study.attention.since} /> ({study.attention.failedPolls} poll{study.attention.failedPolls === 1 ? '' : 's'} failed):{' '}
          {study.attention.reason}
        </div>
      )}
      <p className="sub">{study.taken} series taken in by intake without a coordinator.</p>
      {study.open.length === 0 ? (
        <p>Nothing waits for a coordinator.</p>
      ) : (
        <ul className="intake-open" aria-label={`Series waiting in ${study.studyId}`}>
          {study.open.map((entry) => (
            <OpenEntry key={entry.pacsSeriesId} studyId={study.studyId} entry={entry} />
          ))}
        </ul>
      )}
      {study.resolved.length > 0 && (
        <TableScroll label={`Resolved series of ${study.studyId}`}>
          <table>
            <caption>Resolved series of {study.studyId}</caption>
            <thead>
              <tr>
                <th scope="col">PACS series</th>
                <th scope="col">Reason listed</th>
                <th scope="col">Outcome</th>
                <th scope="col">By</th>
                <th scope="col">When</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {study.resolved.map((e) => (
                <tr key={e.pacsSeriesId}>
                  <th scope="row">
                    <code>{e.pacsSeriesId}</code>
                  </th>
                  <td>{e.label}</td>
                  <td>{e.status}</td>
                  <td>{e.resolution?.who ?? '—'}</td>
                  <td>
                    <Time iso={e.resolution?.at} />
                  </td>
                  <td>{e.resolution?.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

/** One action on an entry: the answer replaces the cached review list; the study's cohort may have moved. */
function useIntakeAction(studyId: string, pacsSeriesId: string, action: 'assign' | 'dismiss') {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AssignSeriesRequest | DismissSeriesRequest) =>
      api<IntakeActionResponse>(`/api/studies/${seg(studyId)}/intake/${seg(pacsSeriesId)}/${action}`, { method: 'POST', body }),
    onSuccess: (answer) => {
      client.setQueryData<IntakeResponse>(INTAKE_KEY, (old) =>
        old ? { studies: old.studies.map((s) => (s.studyId === studyId ? answer.intake : s)) } : { studies: [answer.intake] },
      );
      void client.invalidateQueries({ queryKey: cohortKey(studyId) });
    },
  });
}

function OpenEntry({ studyId, entry }: { studyId: string; entry: IntakeEntryView }) {
  const headingId = useId();
  return (
    <li className="intake-entry" aria-labelledby={headingId}>
      <h3 id={headingId}>
        <code>{entry.pacsSeriesId}</code>
      </h3>
      <dl className="facts">
        <dt>Why</dt>
        <dd>
          {entry.label} (<code>{entry.code}</code>): {entry.message}
        </dd>
        <dt>Listed</dt>
        <dd>
          <Time iso={entry.at} />
        </dd>
      </dl>
      <div className="actions" role="group" aria-label={`Actions on series ${entry.pacsSeriesId}`}>
        <AssignForm studyId={studyId} entry={entry} />
        <DismissForm studyId={studyId} entry={entry} />
      </div>
    </li>
  );
}

/** An entry's action: disabled with the reason when the role lacks studies.act; the server's refusal or answer below. */
function EntryForm({
  title,
  submitLabel,
  action,
  onSubmit,
  children,
}: {
  title: string;
  submitLabel: string;
  action: ReturnType<typeof useIntakeAction>;
  onSubmit: () => void;
  children: ReactNode;
}) {
  const session = useSession();
  return (
    <GatedForm
      title={title}
      submitLabel={submitLabel}
      why={lacking(session, 'studies.act')}
      pending={action.isPending}
      onSubmit={onSubmit}
      outcome={
        <>
          <ErrorMessage error={action.error} title={`${title} refused`} />
          {action.isSuccess && <Notice>Done (audit entry {action.data.auditId}).</Notice>}
        </>
      }
    >
      {children}
    </GatedForm>
  );
}

function noteField(id: string, value: string, set: (value: string) => void, label: string) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} required minLength={3} maxLength={500} rows={2} value={value} onChange={(e) => set(e.target.value)} />
    </div>
  );
}

function DismissForm({ studyId, entry }: { studyId: string; entry: IntakeEntryView }) {
  const id = useId();
  const dismiss = useIntakeAction(studyId, entry.pacsSeriesId, 'dismiss');
  const [note, setNote] = useState('');
  return (
    <EntryForm title="Dismiss" submitLabel="Dismiss series" action={dismiss} onSubmit={() => dismiss.mutate({ note: note.trim() })}>
      {noteField(`${id}-note`, note, setNote, 'Why it is not taken in')}
    </EntryForm>
  );
}

/**
 * Assign: the patient and timepoint from the study's cohort, what the series becomes from that timepoint's image
 * modalities (a scan of one, or the contour drawn on one).
 */
function AssignForm({ studyId, entry }: { studyId: string; entry: IntakeEntryView }) {
  const id = useId();
  const assign = useIntakeAction(studyId, entry.pacsSeriesId, 'assign');
  const cohort = useQuery({ queryKey: cohortKey(studyId), queryFn: () => api<CohortResponse>(`/api/studies/${seg(studyId)}/cohort`) });
  const [pseudonym, setPseudonym] = useState('');
  const [timepoint, setTimepoint] = useState('');
  const [becomes, setBecomes] = useState('');
  const [note, setNote] = useState('');
  const patient = useQuery({
    queryKey: patientKey(studyId, pseudonym),
    queryFn: () => api<PatientResponse>(patientPath(studyId, pseudonym)),
    enabled: pseudonym !== '',
  });
  const patients = cohort.data?.patients.map((p) => p.pseudonym).sort() ?? [];
  const timepoints = cohort.data?.timepoints ?? [];
  const images = patient.data?.timepoints.find((t) => t.name === timepoint)?.imageModalities ?? [];

  const send = (): void => {
    const [kind, modality] = becomes.split(':');
    const body: AssignSeriesRequest =
      kind === 'mask' ? { pseudonym, timepoint, modality: 'mask', for: modality, note: note.trim() } : { pseudonym, timepoint, modality, note: note.trim() };
    assign.mutate(body);
  };

  return (
    <EntryForm title="Assign" submitLabel="Assign series" action={assign} onSubmit={send}>
      {cohort.error instanceof ApiError && cohort.error.status === 404 ? (
        <p className="why">No patient of {studyId} has a timeline yet: there is no timepoint to assign the series to.</p>
      ) : (
        <ErrorMessage error={cohort.error} title="The study's patients could not be read" quiet />
      )}
      <div className="field">
        <label htmlFor={`${id}-patient`}>Patient (pseudonym)</label>
        <select id={`${id}-patient`} required value={pseudonym} onChange={(e) => setPseudonym(e.target.value)}>
          <option value="">Choose a patient</option>
          {patients.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-timepoint`}>Timepoint</label>
        <select id={`${id}-timepoint`} required value={timepoint} onChange={(e) => setTimepoint(e.target.value)}>
          <option value="">Choose a timepoint</option>
          {timepoints.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-becomes`}>The series is</label>
        <select id={`${id}-becomes`} required value={becomes} onChange={(e) => setBecomes(e.target.value)}>
          <option value="">{pseudonym && timepoint ? 'Choose what it is' : 'Choose the patient and timepoint first'}</option>
          {images.map((m) => (
            <option key={`scan:${m}`} value={`scan:${m}`}>
              the {m} scan
            </option>
          ))}
          {images.map((m) => (
            <option key={`mask:${m}`} value={`mask:${m}`}>
              the contour on the {m} image
            </option>
          ))}
        </select>
      </div>
      {noteField(`${id}-note`, note, setNote, 'Why it belongs there')}
    </EntryForm>
  );
}
