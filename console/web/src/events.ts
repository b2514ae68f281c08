// Live updates: the study's server-sent events (GET /api/studies/:studyId/events) folded into the cached cohort, and
// each changed patient's page refetched, so an open cohort or patient page follows the timelines without a reload.
import { useEffect, useState } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { TIMEPOINT_STATES, type CohortPatient, type CohortResponse, type ConsoleEvent } from '../../../contracts/console';
import { seg } from './api';

export const cohortKey = (studyId: string) => ['cohort', studyId] as const;
export const patientKey = (studyId: string, pseudonym: string) => ['patient', studyId, pseudonym] as const;

const rank = (patient: CohortPatient): number => TIMEPOINT_STATES.indexOf(patient.state);

/** The server's order: patients needing a person first, then by state (TIMEPOINT_STATES order), then by pseudonym. */
export function sortPatients(patients: CohortPatient[]): CohortPatient[] {
  return [...patients].sort((a, b) => Number(b.needsAction) - Number(a.needsAction) || rank(a) - rank(b) || a.pseudonym.localeCompare(b.pseudonym));
}

/** The cohort after one event (unchanged for an event of another study or a ping). */
export function applyEvent(cohort: CohortResponse | undefined, event: ConsoleEvent): CohortResponse | undefined {
  if (event.type === 'snapshot') return event.cohort;
  if (!cohort || event.type === 'ping' || event.studyId !== cohort.studyId) return cohort;
  if (event.type === 'removed') {
    const gone = new Set(event.pseudonyms);
    return { ...cohort, at: event.at, patients: cohort.patients.filter((p) => !gone.has(p.pseudonym)) };
  }
  const changed = new Map(event.patients.map((p) => [p.pseudonym, p]));
  const kept = cohort.patients.filter((p) => !changed.has(p.pseudonym));
  return { ...cohort, at: event.at, patients: sortPatients([...kept, ...changed.values()]) };
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

function handle(client: QueryClient, studyId: string, event: ConsoleEvent): void {
  client.setQueryData<CohortResponse>(cohortKey(studyId), (cohort) => applyEvent(cohort, event));
  if (event.type === 'patients') {
    for (const p of event.patients) void client.invalidateQueries({ queryKey: patientKey(studyId, p.pseudonym) });
  } else if (event.type === 'snapshot') {
    // Whatever changed while the stream was down is in the snapshot: the open patient pages read again too.
    void client.invalidateQueries({ queryKey: ['patient', studyId] });
  }
}

/**
 * Follows the study's events while mounted and says whether the stream is live. EventSource reconnects by itself after
 * a dropped connection; after a refused one (it then stays closed) a new one is opened a few seconds later.
 */
export function useStudyEvents(studyId: string | null): LiveStatus {
  const client = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  useEffect(() => {
    if (!studyId) return undefined;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const onMessage = (message: MessageEvent<string>): void => {
      let event: ConsoleEvent;
      try {
        event = JSON.parse(message.data) as ConsoleEvent;
      } catch {
        return;
      }
      setStatus('live');
      handle(client, studyId, event);
    };
    const connect = (): void => {
      source = new EventSource(`/api/studies/${seg(studyId)}/events`, { withCredentials: true });
      source.onopen = () => setStatus('live');
      source.onerror = () => {
        setStatus('reconnecting');
        if (source?.readyState === EventSource.CLOSED && !stopped) retry = setTimeout(connect, 5000);
      };
      // Named events (`event: snapshot`) reach only their own listeners; unnamed ones reach onmessage.
      for (const type of ['snapshot', 'patients', 'removed', 'ping']) source.addEventListener(type, onMessage as EventListener);
      source.onmessage = onMessage;
    };
    setStatus('connecting');
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [client, studyId]);
  return status;
}
