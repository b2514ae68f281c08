// How the pages speak: a failure with the server's own message (announced at once), a success note, and a loading line.
import type { ReactNode } from 'react';
import { ApiError } from '../api';

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.status ? `${error.message} (HTTP ${error.status})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** A failure with its message; announced at once unless `quiet` (a failure found while loading, not one the user caused). */
export function ErrorMessage({ error, title, quiet = false }: { error: unknown; title?: string; quiet?: boolean }) {
  if (!error) return null;
  return (
    <div className="error" role={quiet ? undefined : 'alert'}>
      {title ? <strong>{title}: </strong> : null}
      {messageOf(error)}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="notice" role="status">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** A time as the user's locale shows it, with the ISO value kept machine-readable. */
export function Time({ iso, dateOnly = false }: { iso: string | null | undefined; dateOnly?: boolean }) {
  if (!iso) return <span>—</span>;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return <span>{iso}</span>;
  const text = dateOnly ? date.toISOString().slice(0, 10) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return <time dateTime={iso}>{text}</time>;
}
