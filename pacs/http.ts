// HTTP to a PACS: Basic authentication, time limits, and one mapping of failures to the two PACS errors. A request
// names its route as a template ('/dicom-web/studies/{study}/series/{series}') with its parameters apart, so that an
// error can name where it went without the UIDs or query values (which may identify a patient).
import { PacsRequestError, PacsUnavailableError } from './errors';

export interface PacsCredentials {
  username: string;
  password: string;
}

export interface PacsConnection {
  /** Base URL of the server (Orthanc's REST API; its DICOMweb root is <url>/dicom-web). */
  url: string;
  credentials?: PacsCredentials;
  /** Time limit for a request whose answer is read whole (ms); default 30 s. */
  timeoutMs?: number;
  /** Longest pause within a streamed answer (ms); default 60 s. */
  idleTimeoutMs?: number;
}

export interface RouteRequest {
  method?: 'GET' | 'POST';
  /** Path template below the base URL: '/changes', '/dicom-web/studies/{study}'. */
  route: string;
  /** Values of the template's {names}, URL-encoded into the path. */
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: AsyncIterable<Uint8Array> | Uint8Array | string;
  /** What the caller expected, for errors ("a DICOM JSON array of studies (QIDO-RS, PS3.18 10.6)"). */
  expected: string;
  signal?: AbortSignal;
  /** The answer is streamed: no time limit for the whole, the caller limits pauses (idleTimeoutMs). */
  streamed?: boolean;
}

const DEFAULT_TIMEOUT_MS = 30000;
const DEFAULT_IDLE_TIMEOUT_MS = 60000;

/** Statuses after which the same request may succeed later. */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function statusMeaning(status: number): string {
  if (status === 401) return 'the credentials were refused (ORTHANC_USERNAME/ORTHANC_PASSWORD, or the embedded PACS credentials file)';
  if (status === 403) return 'the server forbids this request';
  if (status === 404) return 'not found';
  if (status === 406) return 'the server cannot answer in the media type asked for';
  if (status === 413) return 'the request is too large for the server';
  if (status === 415) return 'the server does not accept this media type';
  if (retryableStatus(status)) return 'the server cannot serve the request now';
  return 'the server refused the request';
}

/** The network-level reason of a failed fetch (ECONNREFUSED, ENOTFOUND, …), without anything from the request. */
function networkReason(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  const code = e?.cause?.code ?? e?.code ?? e?.cause?.name;
  return typeof code === 'string' && /^[A-Z_]+$/i.test(code) ? code : 'network error';
}

export class PacsHttp {
  readonly baseUrl: string;
  readonly idleTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly authorization: string | undefined;

  constructor(connection: PacsConnection) {
    this.baseUrl = connection.url.replace(/\/+$/, '');
    this.timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.idleTimeoutMs = connection.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const c = connection.credentials;
    this.authorization = c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  /** "GET /dicom-web/studies/{study}": how errors name a request. */
  describe(req: Pick<RouteRequest, 'method' | 'route'>): string {
    return `PACS ${req.method ?? 'GET'} ${req.route}`;
  }

  url(req: Pick<RouteRequest, 'route' | 'params' | 'query'>): string {
    const path = req.route.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const value = req.params?.[name];
      if (value === undefined) throw new Error(`route ${req.route}: no value for {${name}}`);
      return encodeURIComponent(value);
    });
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) query.append(key, String(value));
    const text = query.toString();
    return `${this.baseUrl}${path}${text ? `?${text}` : ''}`;
  }

  /**
   * Sends the request; resolves with a 2xx response (its body not read yet). Any other answer, or none, is a
   * PacsRequestError or a PacsUnavailableError naming the route and `expected`.
   */
  async request(req: RouteRequest): Promise<Response> {
    const where = this.describe(req);
    const signals = [req.signal, req.streamed ? undefined : AbortSignal.timeout(this.timeoutMs)].filter((s): s is AbortSignal => s !== undefined);
    const body = req.body;
    let response: Response;
    try {
      response = await fetch(this.url(req), {
        method: req.method ?? 'GET',
        headers: { ...(this.authorization ? { Authorization: this.authorization } : {}), ...req.headers },
        body: body as RequestInit['body'],
        ...(body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array) ? { duplex: 'half' } : {}),
        signal: signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals),
        redirect: 'error',
      } as RequestInit);
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      const reason = networkReason(err);
      throw new PacsUnavailableError(
        `${where}: no answer from ${this.baseUrl} (${reason === 'timed out' ? `no answer within ${Math.round(this.timeoutMs / 1000)} s` : reason}); expected ${req.expected}`,
        req.route,
      );
    }
    if (response.ok) return response;
    await response.body?.cancel().catch(() => undefined);
    const message = `${where}: HTTP ${response.status} (${statusMeaning(response.status)}); expected ${req.expected}`;
    if (retryableStatus(response.status)) throw new PacsUnavailableError(message, req.route);
    throw new PacsRequestError(message, req.route, response.status);
  }

  /** The answer as JSON; with `empty` given, a 204 or an empty body is `empty`. */
  async json<T>(req: RouteRequest, empty?: T): Promise<T> {
    const response = await this.request({ ...req, headers: { Accept: 'application/json', ...req.headers } });
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw new PacsUnavailableError(`${this.describe(req)}: the answer broke off (${networkReason(err)}); expected ${req.expected}`, req.route);
    }
    if ((response.status === 204 || text.trim() === '') && empty !== undefined) return empty;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new PacsRequestError(
        `${this.describe(req)}: the answer is not JSON (HTTP ${response.status}); expected ${req.expected}`,
        req.route,
        response.status,
      );
    }
  }
}
