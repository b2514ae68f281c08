import { patientWorkflowId } from '../../contracts/ids';

describe('patientWorkflowId', () => {
  it('joins study and pseudonym', () => {
    expect(patientWorkflowId('OS-2026', 'SYN-001')).toBe('OS-2026/SYN-001');
  });

  it.each(['Jane Doe', 'MRN 1234567', 'doe/jane', '', 'x'.repeat(65)])('rejects %j as a pseudonym without echoing it', (bad) => {
    let message = '';
    try {
      patientWorkflowId('OS-2026', bad);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/pseudonym is not valid/);
    if (bad) expect(message).not.toContain(bad);
  });

  it('rejects a study id with a slash, which would make the id ambiguous', () => {
    expect(() => patientWorkflowId('a/b', 'SYN-001')).toThrow(/study id "a\/b" is not valid/);
  });
});
