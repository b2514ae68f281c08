// The console's one form shape for an action: a titled form whose fields and submit button sit in a fieldset that is
// disabled, with the reason shown, when the action is not the user's to take (a missing permission, four eyes, the
// wrong phase or state) or while it is being sent; the outcome (the server's refusal or answer) goes below.
import { useId, type FormEvent, type ReactNode } from 'react';

export function GatedForm({
  title,
  submitLabel,
  why,
  pending,
  onSubmit,
  children,
  outcome,
}: {
  title: string;
  submitLabel: string;
  /** Why the action cannot be taken here; null when it can. */
  why: string | null;
  pending: boolean;
  onSubmit: () => void;
  children: ReactNode;
  /** What the last attempt gave: the refusal's message, or what was done. */
  outcome?: ReactNode;
}) {
  const headingId = useId();
  const whyId = useId();
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (!why) onSubmit();
  };
  return (
    <form className="action" onSubmit={submit} aria-labelledby={headingId} aria-describedby={why ? whyId : undefined}>
      <h4 id={headingId}>{title}</h4>
      <fieldset disabled={why != null || pending}>
        <legend className="visually-hidden">{title}</legend>
        {children}
        <button type="submit">{pending ? 'Sending…' : submitLabel}</button>
      </fieldset>
      {why && (
        <p className="why" id={whyId}>
          {why}
        </p>
      )}
      {outcome}
    </form>
  );
}
