// The console API as the pages use it: same-origin fetch with the session cookie, the CSRF header on every unsafe
// request, and the server's error message (ApiError.message) carried to the page that shows it.
import { CSRF_HEADER, type ApiError as ApiErrorBody, type Permission } from '../../../contracts/console';

let csrfToken: string | null = null;

/** Remembers the session's CSRF token (from SessionInfo) for the unsafe requests that follow; null when signed out. */
export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? null;
}

/** A refused or failed request: the HTTP status and the server's one-sentence message. */
export class ApiError extends Error {
  readonly status: number;
  readonly permission?: Permission;
  readonly field?: string;
  constructor(status: number, message: string, body?: Partial<ApiErrorBody>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.permission = body?.permission;
    this.field = body?.field;
  }
}

/** Listeners told when any request answers 401 (the session ended): the shell goes back to sign-in. */
const signedOutListeners = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: Partial<ApiErrorBody> | undefined;
  try {
    body = JSON.parse(text) as Partial<ApiErrorBody>;
  } catch {
    body = undefined;
  }
  const message = body?.message ?? (text.trim() || `${response.status} ${response.statusText}`);
  return new ApiError(response.status, message, body);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A JSON body, or a FormData (multipart upload). */
  body?: unknown;
  signal?: AbortSignal;
}

/** Calls the API; resolves to the JSON answer (undefined for 204), rejects with an ApiError carrying the server's message. */
export async function api<T>(path: string, { method = 'GET', body, signal }: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, `The console server did not answer (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    // A failed sign-in is a 401 too; only an ended session sends the user back to the sign-in page.
    if (response.status === 401 && path !== '/api/session') signedOutListeners.forEach((listener) => listener());
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Fetches a binary answer (an image) afresh, revalidated rather than taken from the cache; rejects like api(). */
export async function apiBlob(path: string, { signal }: { signal?: AbortSignal } = {}): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', cache: 'no-cache', signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, `The console server did not answer (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (!response.ok) throw await errorOf(response);
  return response.blob();
}

/** A path segment, encoded (study ids, pseudonyms, timepoints and model names are user data). */
export const seg = (value: string): string => encodeURIComponent(value);

export const patientPath = (study: string, patient: string): string => `/api/studies/${seg(study)}/patients/${seg(patient)}`;

export const mosaicPath = (study: string, patient: string, timepoint: string, modality: string): string =>
  `${patientPath(study, patient)}/timepoints/${seg(timepoint)}/mosaic.png?modality=${seg(modality)}`;
