// The coordinator's actions on a patient: upload a re-scan, replace a mask, override a failed QC verdict, retry a
// timepoint that needs attention, record pathology, withdraw. Each form shows the server's message when refused and
// the server's answer when done; without the permission studies.act the forms are shown disabled, saying why.
import { useId, useState, type ReactNode } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  MASK_FOR_ALL,
  MASK_UPLOAD_EXTENSIONS,
  UPLOAD_EXTENSIONS,
  type ActionResponse,
  type PathologyRequest,
  type PatientResponse,
  type TimepointDetail,
} from '../../../../contracts/console';
import { api, patientPath, seg } from '../api';
import { cohortKey, patientKey } from '../events';
import { lacking, useSession } from '../session';
import { ErrorMessage, Notice } from './Feedback';
import { GatedForm } from './GatedForm';

const ACCEPT = UPLOAD_EXTENSIONS.join(',');
const MASK_ACCEPT = MASK_UPLOAD_EXTENSIONS.join(',');

/** One action: a mutation whose answer replaces the cached patient and refreshes the cohort. */
function useAction(study: string, patient: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ path, method, body }: { path: string; method: 'POST' | 'PUT'; body: unknown }) =>
      api<ActionResponse>(`${patientPath(study, patient)}${path}`, { method, body }),
    onSuccess: (answer) => {
      client.setQueryData<PatientResponse>(patientKey(study, patient), answer.patient);
      void client.invalidateQueries({ queryKey: cohortKey(study) });
      void client.invalidateQueries({ queryKey: ['studies'] });
    },
  });
}

/** An action form: disabled with the reason when the role lacks studies.act; the outcome below the button. */
function ActionForm({
  title,
  submitLabel,
  onSubmit,
  action,
  children,
  unavailable,
}: {
  title: string;
  submitLabel: string;
  onSubmit: () => void;
  action: ReturnType<typeof useAction>;
  children: ReactNode;
  /** Why the action does not apply here (besides the permission); the form is disabled and says so. */
  unavailable?: string | null;
}) {
  const session = useSession();
  const why = lacking(session, 'studies.act') ?? unavailable ?? null;
  return (
    <GatedForm
      title={title}
      submitLabel={submitLabel}
      why={why}
      pending={action.isPending}
      onSubmit={onSubmit}
      outcome={
        <>
          <ErrorMessage error={action.error} title={`${title} refused`} />
          {action.isSuccess && (
            <Notice>
              Done{action.data.message ? `: ${action.data.message}` : ''} (audit entry {action.data.auditId}).
            </Notice>
          )}
        </>
      }
    >
      {children}
    </GatedForm>
  );
}

function reasonField(id: string, value: string, set: (value: string) => void, label = 'Reason') {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} required minLength={3} maxLength={500} rows={2} value={value} onChange={(e) => set(e.target.value)} />
    </div>
  );
}

/** The image modalities a timepoint takes (those registered, then those stored), never the mask. */
function modalitiesOf(tp: TimepointDetail): string[] {
  const names = [...tp.scans.map((s) => s.modality), ...tp.stored.filter((s) => s.role === 'image').map((s) => s.modality)];
  return [...new Set(names.filter((m) => m !== 'mask'))];
}

/** A modality named in a failed QC verdict's messages: the likely one to re-scan. */
function suspectModality(tp: TimepointDetail, modalities: string[]): string | undefined {
  const text = (tp.qc?.reasons ?? []).join(' ');
  return modalities.find((m) => new RegExp(`\\b${m}\\b`).test(text));
}

export function TimepointActions({ study, patient, tp }: { study: string; patient: string; tp: TimepointDetail }) {
  const id = useId();
  const upload = useAction(study, patient);
  const mask = useAction(study, patient);
  const override = useAction(study, patient);
  const retry = useAction(study, patient);
  const modalities = modalitiesOf(tp);
  const [modality, setModality] = useState<string>(() => suspectModality(tp, modalities) ?? modalities[0] ?? '');
  const [scanFile, setScanFile] = useState<File | null>(null);
  const [maskFile, setMaskFile] = useState<File | null>(null);
  const imageChoices = tp.imageModalities.length > 0 ? tp.imageModalities : modalities;
  const [maskFor, setMaskFor] = useState<string>(MASK_FOR_ALL);
  const [roi, setRoi] = useState('');
  // An RTSTRUCT or SEG is drawn on one series: it names its image and, where it holds several, the ROI.
  const dicomMask = maskFile != null && maskFile.name.toLowerCase().endsWith('.dcm');
  const [overrideReason, setOverrideReason] = useState('');
  const [retryReason, setRetryReason] = useState('');
  const base = `/timepoints/${seg(tp.name)}`;
  const qcFailed = tp.qc != null && !tp.qc.passed && !tp.qc.override;

  const sendScan = (): void => {
    if (!scanFile) return;
    const form = new FormData();
    // The modality first: the server reads the fields in order and the file last.
    form.append('modality', modality);
    form.append('file', scanFile, scanFile.name);
    upload.mutate({ path: `${base}/scans`, method: 'POST', body: form });
  };
  const sendMask = (): void => {
    if (!maskFile) return;
    const form = new FormData();
    // The fields first: the server reads them before the file.
    form.append('for', maskFor);
    if (dicomMask && roi.trim()) form.append('roi', roi.trim());
    form.append('file', maskFile, maskFile.name);
    mask.mutate({ path: `${base}/mask`, method: 'PUT', body: form });
  };

  return (
    <div className="actions" aria-label={`Actions on ${tp.name}`} role="group">
      <ActionForm title={`Upload a re-scan (${tp.name})`} submitLabel="Upload scan" action={upload} onSubmit={sendScan}>
        <div className="field">
          <label htmlFor={`${id}-modality`}>Modality</label>
          <select id={`${id}-modality`} value={modality} onChange={(e) => setModality(e.target.value)} required>
            {modalities.length === 0 && <option value="">No modality registered yet</option>}
            {modalities.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-scan`}>Image file ({UPLOAD_EXTENSIONS.join(', ')})</label>
          <input id={`${id}-scan`} type="file" accept={ACCEPT} required onChange={(e) => setScanFile(e.target.files?.[0] ?? null)} />
        </div>
      </ActionForm>
      <ActionForm title={`Replace the mask (${tp.name})`} submitLabel="Upload mask" action={mask} onSubmit={sendMask}>
        <div className="field">
          <label htmlFor={`${id}-mask-for`}>Mask of</label>
          <select id={`${id}-mask-for`} value={maskFor} onChange={(e) => setMaskFor(e.target.value)}>
            <option value={MASK_FOR_ALL}>All images on its grid</option>
            {imageChoices.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-mask`}>Mask file ({MASK_UPLOAD_EXTENSIONS.join(', ')}: NIfTI, NRRD, or an RTSTRUCT / SEG)</label>
          <input id={`${id}-mask`} type="file" accept={MASK_ACCEPT} required onChange={(e) => setMaskFile(e.target.files?.[0] ?? null)} />
        </div>
        {dicomMask && (
          <div className="field">
            <label htmlFor={`${id}-roi`}>ROI or segment name (when the file holds several)</label>
            <input id={`${id}-roi`} type="text" maxLength={64} value={roi} onChange={(e) => setRoi(e.target.value)} />
          </div>
        )}
      </ActionForm>
      <ActionForm
        title={`Override QC (${tp.name})`}
        submitLabel="Override QC"
        action={override}
        unavailable={qcFailed ? null : 'Only a failed QC verdict can be overridden.'}
        onSubmit={() => override.mutate({ path: `${base}/override`, method: 'POST', body: { reason: overrideReason.trim() } })}
      >
        {reasonField(`${id}-override`, overrideReason, setOverrideReason, 'Why the verdict is overridden')}
      </ActionForm>
      <ActionForm
        title={`Retry (${tp.name})`}
        submitLabel="Retry timepoint"
        action={retry}
        unavailable={tp.state === 'needs-attention' ? null : 'Only a timepoint that needs attention is retried.'}
        onSubmit={() => retry.mutate({ path: `${base}/retry`, method: 'POST', body: { reason: retryReason.trim() } })}
      >
        {reasonField(`${id}-retry`, retryReason, setRetryReason, 'What was fixed')}
      </ActionForm>
    </div>
  );
}

export function PatientActions({ study, patient, current }: { study: string; patient: string; current: PatientResponse }) {
  const id = useId();
  const pathology = useAction(study, patient);
  const withdraw = useAction(study, patient);
  const [necrosis, setNecrosis] = useState('');
  const [huvos, setHuvos] = useState<PathologyRequest['huvosGrade']>('III');
  const [date, setDate] = useState('');
  const [withdrawReason, setWithdrawReason] = useState('');

  const sendPathology = (): void => {
    const body: PathologyRequest = { necrosisPct: Number(necrosis), huvosGrade: huvos, date };
    pathology.mutate({ path: '/pathology', method: 'POST', body });
  };

  return (
    <div className="actions" role="group" aria-label="Actions on the patient">
      <ActionForm
        title="Record pathology"
        submitLabel="Record pathology"
        action={pathology}
        unavailable={current.pathology ? 'Pathology is recorded once; it is recorded already.' : null}
        onSubmit={sendPathology}
      >
        <div className="field">
          <label htmlFor={`${id}-necrosis`}>Necrosis (%)</label>
          <input id={`${id}-necrosis`} type="number" min={0} max={100} step="any" required value={necrosis} onChange={(e) => setNecrosis(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-huvos`}>Huvos grade</label>
          <select id={`${id}-huvos`} value={huvos} onChange={(e) => setHuvos(e.target.value as PathologyRequest['huvosGrade'])}>
            {(['I', 'II', 'III', 'IV'] as const).map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-date`}>Report date</label>
          <input id={`${id}-date`} type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
        </div>
      </ActionForm>
      <ActionForm
        title="Withdraw the patient"
        submitLabel="Withdraw"
        action={withdraw}
        unavailable={current.withdrawn ? 'The patient is withdrawn already.' : null}
        onSubmit={() => withdraw.mutate({ path: '/withdraw', method: 'POST', body: { reason: withdrawReason.trim() } })}
      >
        {reasonField(`${id}-withdraw`, withdrawReason, setWithdrawReason, 'Why the patient is withdrawn')}
      </ActionForm>
    </div>
  );
}
