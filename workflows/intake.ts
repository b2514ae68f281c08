// PacsIntake: one long-running workflow per study that polls the PACS's change feed and takes in every new series it
// can place (activities/intake), with nobody acting; what it cannot place waits on the review list, kept in the
// workflow's memo (readable without a worker) until a coordinator assigns the series to a patient's timepoint or
// dismisses it. The cursor, the taken series and the list travel through continue-as-new. An assignment names a
// patient who must be enrolled (a running timeline of the study): that is asked before the series is taken in.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import {
  INTAKE_MEMO,
  INTAKE_MESSAGES,
  type AssignSeriesInput,
  type DismissSeriesInput,
  type IntakeActivities,
  type IntakeInput,
  type EnrolmentActivities,
  type IntakeState,
  type ReviewEntry,
} from '../contracts/intake';
import { assertPseudonym } from '../contracts/ids';
import { POLICIES } from './policies';

export const assignSeriesUpdate = defineUpdate<IntakeState, [AssignSeriesInput]>(INTAKE_MESSAGES.assign);
export const dismissSeriesUpdate = defineUpdate<IntakeState, [DismissSeriesInput]>(INTAKE_MESSAGES.dismiss);
export const intakeStateQuery = defineQuery<IntakeState>(INTAKE_MESSAGES.state);

const { pollPacs, takeInSeries } = proxyActivities<IntakeActivities>(POLICIES.intake);

const { checkEnrolment } = proxyActivities<EnrolmentActivities>(POLICIES.store);

/** Assignments ask whether the patient is enrolled before taking the series in (runs before this took it in unasked). */
export const ASSIGN_CHECKS_PATIENT_PATCH = 'intake-assign-checks-patient';

/** What a person reads of a failed poll: the activity's own message (the PACS route and what happened). */
function reasonOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return (cause as Error | undefined)?.message || String(err);
}

/** Polls per run before continue-as-new: each adds a handful of events, far inside the history limit. */
const POLLS_PER_RUN = 500;

function openEntry(state: IntakeState, pacsSeriesId: string): ReviewEntry {
  const entry = state.review.find((e) => e.pacsSeriesId === pacsSeriesId && e.status === 'open');
  if (!entry) throw new Error(`series ${pacsSeriesId} is not open on the review list`);
  return entry;
}

function checkNote(input: { who?: unknown; note?: unknown }): void {
  if (typeof input.who !== 'string' || input.who.trim() === '') throw new Error('who must name the coordinator');
  if (typeof input.note !== 'string' || input.note.trim() === '') throw new Error('note must say why');
}

export async function pacsIntakeWorkflow(input: IntakeInput): Promise<void> {
  const state: IntakeState = input.state ?? { cursor: input.startCursor, taken: [], review: [], polls: 0 };
  const publish = () => upsertMemo({ [INTAKE_MEMO]: state });

  setHandler(intakeStateQuery, () => state);
  setHandler(
    assignSeriesUpdate,
    async (assignment) => {
      const entry = openEntry(state, assignment.pacsSeriesId);
      // A validator cannot ask another workflow, so the handler asks first: a pseudonym with no running timeline is
      // refused with its name, the entry stays open, and nothing is retrieved or stored.
      if (patched(ASSIGN_CHECKS_PATIENT_PATCH)) {
        const check = await checkEnrolment({ studyId: input.protocol.studyId, pseudonym: assignment.pseudonym });
        if (!check.enrolled) throw ApplicationFailure.create({ type: 'IntakeRefusedError', nonRetryable: true, message: check.reason });
      }
      const taken = await takeInSeries({
        protocol: input.protocol,
        pacsSeriesId: assignment.pacsSeriesId,
        pseudonym: assignment.pseudonym,
        timepoint: assignment.timepoint,
        modality: assignment.modality,
        ...(assignment.for !== undefined ? { for: assignment.for } : {}),
      });
      state.taken.push(taken);
      entry.status = 'assigned';
      entry.resolution = { who: assignment.who, at: new Date().toISOString(), note: assignment.note };
      publish();
      return state;
    },
    {
      validator: (assignment) => {
        openEntry(state, assignment.pacsSeriesId);
        checkNote(assignment);
        assertPseudonym(assignment.pseudonym);
        const tp = input.protocol.timepoints.find((t) => t.name === assignment.timepoint);
        if (!tp) throw new Error(`timepoint ${JSON.stringify(assignment.timepoint)} is not in study ${input.protocol.studyId}`);
        const images = tp.modalities as string[];
        if (assignment.modality === 'mask' ? !images.includes(assignment.for ?? '') : !images.includes(assignment.modality))
          throw new Error(
            assignment.modality === 'mask'
              ? `a contour needs 'for', one of ${images.join(', ')}`
              : `modality ${JSON.stringify(assignment.modality)} is not part of timepoint '${tp.name}' (expected one of ${images.join(', ')}, or mask)`,
          );
      },
    },
  );
  setHandler(
    dismissSeriesUpdate,
    (dismissal) => {
      const entry = openEntry(state, dismissal.pacsSeriesId);
      entry.status = 'dismissed';
      entry.resolution = { who: dismissal.who, at: new Date().toISOString(), note: dismissal.note };
      publish();
      return state;
    },
    {
      validator: (dismissal) => {
        openEntry(state, dismissal.pacsSeriesId);
        checkNote(dismissal);
      },
    },
  );

  publish();
  for (;;) {
    const began = new Date().toISOString();
    try {
      const result = await pollPacs({
        protocol: input.protocol,
        settings: input.settings,
        cursor: state.cursor,
        taken: state.taken,
        reviewed: state.review.map((e) => e.pacsSeriesId),
        ...(input.pacsAttempts !== undefined ? { pacsAttempts: input.pacsAttempts } : {}),
      });
      state.cursor = result.cursor;
      state.taken.push(...result.taken);
      state.review.push(...result.review);
      const answeredAgain = state.attention !== undefined;
      delete state.attention;
      if (answeredAgain || result.taken.length + result.review.length > 0) publish();
    } catch (err) {
      // The PACS stayed down through the activity's retries: a person should know (the memo says since when and
      // why); the workflow does not end, the next poll tries again and the cursor did not move.
      state.attention = { reason: reasonOf(err), since: state.attention?.since ?? began, failedPolls: (state.attention?.failedPolls ?? 0) + 1 };
      publish();
    }
    state.polls += 1;
    if (state.polls >= POLLS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof pacsIntakeWorkflow>({ ...input, state: { ...state, polls: 0 } });
    }
    await sleep(input.pollEveryMs);
  }
}
