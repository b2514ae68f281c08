// The audit trail: who did what, when, to what, why, and whether it was done or refused; filters by actor, action,
// target, outcome and time, newest first, older pages on request.
import { useId, useState, type FormEvent } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { AUDIT_OUTCOMES, type AuditEntry, type AuditResponse } from '../../../../contracts/console';
import { api } from '../api';
import { ErrorMessage, Loading, Time } from '../components/Feedback';
import { usePageTitle } from '../router';
import { TableScroll } from '../components/TableScroll';

interface Filters {
  actor: string;
  action: string;
  target: string;
  outcome: string;
  since: string;
  until: string;
}

const EMPTY: Filters = { actor: '', action: '', target: '', outcome: '', since: '', until: '' };
const PAGE = 100;

function auditPath(filters: Filters, before: number | null): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (!value) continue;
    // Dates from the date inputs: the whole day, in UTC.
    if (key === 'since') query.set(key, new Date(`${value}T00:00:00Z`).toISOString());
    else if (key === 'until') query.set(key, new Date(`${value}T23:59:59.999Z`).toISOString());
    else query.set(key, value);
  }
  query.set('limit', String(PAGE));
  if (before != null) query.set('before', String(before));
  return `/api/audit?${query.toString()}`;
}

export function AuditPage() {
  usePageTitle('Audit');
  const id = useId();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const audit = useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam }) => api<AuditResponse>(auditPath(filters, pageParam)),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextBefore,
  });
  const entries = audit.data?.pages.flatMap((p) => p.entries) ?? [];
  const set = (key: keyof Filters) => (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value });
  const apply = (event: FormEvent): void => {
    event.preventDefault();
    setFilters(draft);
  };

  const text = (key: keyof Filters, label: string, hint?: string) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input id={`${id}-${key}`} value={draft[key]} onChange={set(key)} placeholder={hint} />
    </div>
  );

  return (
    <>
      <h1 tabIndex={-1}>Audit trail</h1>
      <form className="filters" onSubmit={apply} aria-label="Audit filters">
        {text('actor', 'Who (user name)')}
        {text('action', 'Action', 'e.g. promotion.approve')}
        {text('target', 'Target', 'e.g. model:name@3')}
        <div className="field">
          <label htmlFor={`${id}-outcome`}>Outcome</label>
          <select id={`${id}-outcome`} value={draft.outcome} onChange={set('outcome')}>
            <option value="">Any</option>
            {AUDIT_OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-since`}>From (UTC day)</label>
          <input id={`${id}-since`} type="date" value={draft.since} onChange={set('since')} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-until`}>Until (UTC day)</label>
          <input id={`${id}-until`} type="date" value={draft.until} onChange={set('until')} />
        </div>
        <div className="buttons">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            onClick={() => {
              setDraft(EMPTY);
              setFilters(EMPTY);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {audit.isPending && <Loading what="the audit trail" />}
      <ErrorMessage error={audit.error} title="The audit trail could not be read" />
      {audit.data && (
        <>
          <p role="status">
            {entries.length} entr{entries.length === 1 ? 'y' : 'ies'} shown{audit.hasNextPage ? ', older ones on request' : ''}.
          </p>
          <TableScroll label="Audit entries">
            <table className="audit">
              <caption>Audit entries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Why</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <Row key={e.id} entry={e} />
                ))}
              </tbody>
            </table>
          </TableScroll>
          {audit.hasNextPage && (
            <button type="button" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
              {audit.isFetchingNextPage ? 'Loading older entries…' : 'Show older entries'}
            </button>
          )}
          <ErrorMessage error={audit.isFetchNextPageError ? audit.error : null} title="Older entries could not be read" />
        </>
      )}
    </>
  );
}

function Row({ entry }: { entry: AuditEntry }) {
  return (
    <tr data-action={entry.action} data-outcome={entry.outcome}>
      <td>{entry.id}</td>
      <td>
        <Time iso={entry.at} />
      </td>
      <td>{entry.actor}</td>
      <td>
        <code>{entry.action}</code>
      </td>
      <td>
        <code>{entry.target}</code>
      </td>
      <td>
        <span className={`outcome outcome-${entry.outcome}`}>
          <span aria-hidden="true">{entry.outcome === 'ok' ? '✓ ' : '✕ '}</span>
          {entry.outcome}
        </span>
      </td>
      <td>{entry.reason ?? '—'}</td>
      <td className="detail">
        {entry.detail && Object.keys(entry.detail).length > 0
          ? Object.entries(entry.detail)
              .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join('; ')
          : '—'}
      </td>
    </tr>
  );
}
