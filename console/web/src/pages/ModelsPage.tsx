// Models: every registered response model with its aliases; for the chosen one its versions with metrics and CIs, and
// its promotion (the gate's checks, the decisions) with the controls to request, approve, reject or roll back. A
// control the role may not use is disabled and says which permission it needs; an approver never decides a promotion
// they requested (four eyes), and the page says so before the server refuses it.
import { useId, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  DecisionRequest,
  ModelDetail,
  ModelsResponse,
  Permission,
  PromotionRequest,
  PromotionResponse,
  StudiesResponse,
} from '../../../../contracts/console';
import { api, seg } from '../api';
import { ErrorMessage, Loading, Notice, Time } from '../components/Feedback';
import { formatNumber } from '../components/Sparkline';
import { usePageTitle } from '../router';
import { lacking, useSession } from '../session';
import { TableScroll } from '../components/TableScroll';
import { GatedForm } from '../components/GatedForm';

const modelKey = (name: string) => ['model', name] as const;
const promotionKey = (name: string) => ['promotion', name] as const;

const PHASE_LABELS: Record<PromotionResponse['phase'], string> = {
  none: 'No promotion requested yet',
  evaluating: 'Evaluating the challenger on the hold-out',
  'gate-failed': 'Gate failed: not promoted',
  'awaiting-approval': 'Gate passed: awaiting an approver',
  rejected: 'Rejected',
  'approval-timed-out': 'Approval timed out',
  promoting: 'Promoting',
  promoted: 'Promoted (can be rolled back)',
  'rolling-back': 'Rolling back',
  'rolled-back': 'Rolled back',
  closed: 'Closed',
};

export function ModelsPage() {
  usePageTitle('Models');
  const models = useQuery({ queryKey: ['models'], queryFn: () => api<ModelsResponse>('/api/models') });
  const [chosen, setChosen] = useState<string | null>(null);
  const name = chosen ?? models.data?.models[0]?.name ?? null;
  return (
    <>
      <h1 tabIndex={-1}>Models</h1>
      {models.isPending && <Loading what="the models" />}
      <ErrorMessage error={models.error} title="The models could not be read" />
      {models.data && models.data.models.length === 0 && <p>No model is registered yet.</p>}
      {models.data && models.data.models.length > 0 && (
        <TableScroll label="Registered models">
          <table>
            <caption>Registered response models</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Versions</th>
                <th scope="col">Champion</th>
                <th scope="col">Challenger</th>
                <th scope="col">Aliases</th>
              </tr>
            </thead>
            <tbody>
              {models.data.models.map((m) => (
                <tr key={m.name} aria-current={m.name === name ? 'true' : undefined}>
                  <th scope="row">
                    <button type="button" className="linklike" onClick={() => setChosen(m.name)} aria-pressed={m.name === name}>
                      {m.name}
                    </button>
                  </th>
                  <td className="num">{m.versions}</td>
                  <td>{m.champion ? `v${m.champion}` : 'none'}</td>
                  <td>{m.challenger ? `v${m.challenger}` : 'none'}</td>
                  <td>{m.aliases.map((a) => `${a.alias} → v${a.version}`).join(', ') || 'none'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {name && <Model key={name} name={name} />}
    </>
  );
}

function Model({ name }: { name: string }) {
  const detail = useQuery({ queryKey: modelKey(name), queryFn: () => api<ModelDetail>(`/api/models/${seg(name)}`) });
  return (
    <section aria-labelledby="model-heading">
      <h2 id="model-heading">Model {name}</h2>
      {detail.isPending && <Loading what={`the versions of ${name}`} />}
      <ErrorMessage error={detail.error} title="The model could not be read" />
      {detail.data && <Versions detail={detail.data} />}
      <Promotion name={name} studyOfChallenger={detail.data?.versions.find((v) => v.aliases.includes('challenger'))?.studyId ?? null} />
    </section>
  );
}

const METRIC_LABELS: Record<string, string> = {
  brier: 'Brier',
  calibration_intercept: 'Calibration intercept',
  calibration_slope: 'Calibration slope',
  optimism_corrected_auc: 'Optimism-corrected AUC',
  sensitivity: 'Sensitivity',
  specificity: 'Specificity',
};

function Versions({ detail }: { detail: ModelDetail }) {
  return (
    <TableScroll label="Versions">
      <table>
        <caption>Versions of {detail.name}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Kind</th>
            <th scope="col">Aliases</th>
            <th scope="col">Nested-CV AUC (95 % CI)</th>
            <th scope="col">Other metrics</th>
            <th scope="col">Last decision</th>
            <th scope="col">Registered</th>
          </tr>
        </thead>
        <tbody>
          {[...detail.versions]
            .sort((a, b) => Number(b.version) - Number(a.version))
            .map((v) => (
              <tr key={v.version}>
                <th scope="row">v{v.version}</th>
                <td>
                  {v.kind ?? 'unknown'}
                  {v.predictAt && <div className="sub">predicts at {v.predictAt}</div>}
                </td>
                <td>{v.aliases.length > 0 ? v.aliases.join(', ') : 'none'}</td>
                <td className="num">
                  {v.auc == null ? '—' : formatNumber(v.auc)}
                  {v.aucCi && ` (${formatNumber(v.aucCi[0])}–${formatNumber(v.aucCi[1])})`}
                </td>
                <td>
                  <ul className="metrics">
                    {Object.entries(v.metrics)
                      .filter(([key]) => key in METRIC_LABELS)
                      .map(([key, value]) => (
                        <li key={key}>
                          {METRIC_LABELS[key]}: {formatNumber(value)}
                        </li>
                      ))}
                  </ul>
                </td>
                <td>{v.lastDecision ?? '—'}</td>
                <td>
                  <Time iso={v.createdAt} />
                  {v.trainedBy && <div className="sub">trained by {v.trainedBy}</div>}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function Promotion({ name, studyOfChallenger }: { name: string; studyOfChallenger: string | null }) {
  const session = useSession();
  const client = useQueryClient();
  const promotion = useQuery({
    queryKey: promotionKey(name),
    queryFn: () => api<PromotionResponse>(`/api/models/${seg(name)}/promotion`),
    // While the workflow evaluates or moves aliases, its phase changes by itself.
    refetchInterval: (q) => (q.state.data && ['evaluating', 'promoting', 'rolling-back'].includes(q.state.data.phase) ? 2000 : false),
  });
  const act = useMutation({
    mutationFn: ({ path, body }: { path: string; body: PromotionRequest | DecisionRequest }) =>
      api<PromotionResponse>(`/api/models/${seg(name)}/promotion${path}`, { method: 'POST', body }),
    onSuccess: (answer) => {
      client.setQueryData(promotionKey(name), answer);
      void client.invalidateQueries({ queryKey: modelKey(name) });
      void client.invalidateQueries({ queryKey: ['models'] });
    },
  });
  const p = promotion.data;
  const ownRequest = p?.requestedBy != null && p.requestedBy === session.username;
  const decideWhy = (phase: PromotionResponse['phase'][]): string | null =>
    lacking(session, 'promotions.decide') ??
    (p && !phase.includes(p.phase) ? `Not possible while the promotion is ${PHASE_LABELS[p.phase].toLowerCase()}.` : null);
  const fourEyes = ownRequest ? 'You requested this promotion; another approver must decide it (four eyes).' : null;

  return (
    <section aria-labelledby="promotion-heading">
      <h3 id="promotion-heading">Promotion of {name}</h3>
      {promotion.isPending && <Loading what="the promotion" />}
      <ErrorMessage error={promotion.error} title="The promotion could not be read" />
      {p && <PromotionState p={p} />}
      <div className="actions">
        <RequestPromotion
          defaultStudy={studyOfChallenger}
          pending={act.isPending}
          why={lacking(session, 'promotions.request') ?? (p?.open ? 'A promotion of this model is open already.' : null)}
          onSubmit={(body) => act.mutate({ path: '', body })}
        />
        <Decision
          title="Approve the promotion"
          label="Approve"
          why={decideWhy(['awaiting-approval']) ?? fourEyes}
          pending={act.isPending}
          onSubmit={(body) => act.mutate({ path: '/approve', body })}
        />
        <Decision
          title="Reject the promotion"
          label="Reject"
          why={decideWhy(['awaiting-approval']) ?? fourEyes}
          pending={act.isPending}
          onSubmit={(body) => act.mutate({ path: '/reject', body })}
        />
        <Decision
          title="Roll back to the previous champion"
          label="Roll back"
          why={decideWhy(['promoted'])}
          pending={act.isPending}
          onSubmit={(body) => act.mutate({ path: '/rollback', body })}
        />
      </div>
      <ErrorMessage error={act.error} title="Refused" />
      {act.isSuccess && <Notice>Done: the promotion is now {PHASE_LABELS[act.data.phase].toLowerCase()}.</Notice>}
    </section>
  );
}

function PromotionState({ p }: { p: PromotionResponse }) {
  return (
    <>
      <dl className="facts">
        <dt>Phase</dt>
        <dd data-phase={p.phase}>
          <strong>{PHASE_LABELS[p.phase]}</strong>
        </dd>
        {p.challenger && (
          <>
            <dt>Challenger</dt>
            <dd>
              v{p.challenger.version} ({p.challenger.kind})
            </dd>
          </>
        )}
        {p.previousChampion && (
          <>
            <dt>Previous champion</dt>
            <dd>
              v{p.previousChampion.version} ({p.previousChampion.kind})
            </dd>
          </>
        )}
        {p.requestedBy && (
          <>
            <dt>Requested by</dt>
            <dd>{p.requestedBy}</dd>
          </>
        )}
      </dl>
      {p.gate && (
        <TableScroll label="Promotion gate">
          <table>
            <caption>
              Promotion gate: {p.gate.passed ? 'passed' : 'failed'}
              {!['pass', 'fail'].includes(p.gate.verdict) && ` (${p.gate.verdict})`}
              {p.gate.challengerAuc != null &&
                `; challenger hold-out AUC ${formatNumber(p.gate.challengerAuc)}${p.gate.challengerAucCi ? ` (95 % CI ${formatNumber(p.gate.challengerAucCi[0])}–${formatNumber(p.gate.challengerAucCi[1])})` : ''}`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {p.gate.checks.map((c) => (
                <tr key={c.name}>
                  <th scope="row">{c.name}</th>
                  <td>
                    <span className={c.passed ? 'ok' : 'bad'}>{c.passed ? '✓ pass' : '✕ fail'}</span>
                  </td>
                  <td>{c.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {p.decisions.length > 0 && (
        <table>
          <caption>Decisions</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Decision</th>
              <th scope="col">Version</th>
              <th scope="col">By</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {p.decisions.map((d, i) => (
              <tr key={i}>
                <td>
                  <Time iso={d.at} />
                </td>
                <td>{d.action}</td>
                <td>v{d.version}</td>
                <td>{d.by}</td>
                <td>{d.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The form to request a promotion; the study defaults to the one the challenger was trained on. */
function RequestPromotion({
  why,
  pending,
  defaultStudy,
  onSubmit,
}: {
  why: string | null;
  pending: boolean;
  defaultStudy: string | null;
  onSubmit: (body: PromotionRequest) => void;
}) {
  const id = useId();
  const session = useSession();
  const studies = useQuery({
    queryKey: ['studies'],
    queryFn: () => api<StudiesResponse>('/api/studies'),
    enabled: session.permissions.includes('studies.read' satisfies Permission),
  });
  const [studyId, setStudyId] = useState('');
  const [challenger, setChallenger] = useState('challenger');
  const [reason, setReason] = useState('');
  const known = (id: string | null): id is string => id != null && (studies.data?.studies.some((s) => s.studyId === id) ?? false);
  const study = studyId || (known(defaultStudy) ? defaultStudy : studies.data?.studies[0]?.studyId) || '';
  return (
    <GatedForm
      title="Request a promotion"
      submitLabel="Request promotion"
      why={why}
      pending={pending}
      onSubmit={() => onSubmit({ studyId: study, challenger: challenger.trim() || undefined, reason: reason.trim() })}
    >
      <div className="field">
        <label htmlFor={`${id}-study`}>Study whose hold-out the gate evaluates</label>
        {studies.data ? (
          <select id={`${id}-study`} value={study} onChange={(e) => setStudyId(e.target.value)} required>
            {studies.data.studies.map((s) => (
              <option key={s.studyId} value={s.studyId}>
                {s.studyId}
              </option>
            ))}
          </select>
        ) : (
          <input id={`${id}-study`} value={studyId} onChange={(e) => setStudyId(e.target.value)} required />
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-challenger`}>Challenger (version number or alias)</label>
        <input id={`${id}-challenger`} value={challenger} onChange={(e) => setChallenger(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-reason`}>Why</label>
        <textarea id={`${id}-reason`} rows={2} required minLength={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
    </GatedForm>
  );
}

function Decision({
  title,
  label,
  why,
  pending,
  onSubmit,
}: {
  title: string;
  label: string;
  why: string | null;
  pending: boolean;
  onSubmit: (body: DecisionRequest) => void;
}) {
  const id = useId();
  const [reason, setReason] = useState('');
  return (
    <GatedForm title={title} submitLabel={label} why={why} pending={pending} onSubmit={() => onSubmit({ reason: reason.trim() })}>
      <div className="field">
        <label htmlFor={`${id}-reason`}>Why</label>
        <textarea id={`${id}-reason`} rows={2} required minLength={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
    </GatedForm>
  );
}
