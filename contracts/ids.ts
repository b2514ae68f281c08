// Workflow ids built in one place: <study>/<pseudonym>. Both parts are checked so that a name or a hospital number
// with spaces or punctuation cannot slip in; pseudonyms are assigned by the study, never derived from identity.

const STUDY_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const PSEUDONYM = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function assertStudyId(studyId: string): void {
  if (!STUDY_ID.test(studyId)) {
    throw new Error(`study id ${JSON.stringify(studyId)} is not valid (expected 1–64 letters, digits, '_' or '-', starting with a letter or digit)`);
  }
}

export function assertPseudonym(pseudonym: string): void {
  if (!PSEUDONYM.test(pseudonym)) {
    // The value itself is not echoed: it might be the identity we must keep out of logs.
    throw new Error("pseudonym is not valid (expected 1–64 letters, digits, '_' or '-', e.g. \"OS-017\"; never a name or hospital number)");
  }
}

export function patientWorkflowId(studyId: string, pseudonym: string): string {
  assertStudyId(studyId);
  assertPseudonym(pseudonym);
  return `${studyId}/${pseudonym}`;
}
