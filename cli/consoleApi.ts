// The console's JSON API as the CLI calls it when a command is signed with an API token (OSTEOFLOW_CONSOLE_URL +
// OSTEOFLOW_API_TOKEN): the action then runs as the token's user — the console checks the role, applies four eyes and
// writes the audit entry — instead of naming someone with free text. Errors carry the console's own message.
import type { OsteoflowConfig } from '../config';
import type { ActionResponse, ApiError, Permission, SessionInfo } from '../contracts/console';

export class ConsoleApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ConsoleApiError';
  }
}

export class ConsoleApi {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  post<T>(route: string, body: unknown): Promise<T> {
    return this.call<T>('POST', route, body);
  }

  get<T>(route: string): Promise<T> {
    return this.call<T>('GET', route);
  }

  private async call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(route, this.url), {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new ConsoleApiError(`the console at ${this.url} does not answer (${(err as Error).cause ?? (err as Error).message})`, 0);
    }
    const text = await response.text();
    if (!response.ok) {
      let said: Partial<ApiError> = {};
      try {
        said = JSON.parse(text) as ApiError;
      } catch {
        // not the console's JSON error: the status says enough
      }
      throw new ConsoleApiError(`the console refused: ${said.message ?? `HTTP ${response.status}`} (${response.status})`, response.status);
    }
    return JSON.parse(text) as T;
  }
}

/** The console to sign commands with, when the configuration names one and a token for it. */
export function consoleApiOf(cfg: OsteoflowConfig): ConsoleApi | undefined {
  return cfg.console.url && cfg.console.token ? new ConsoleApi(cfg.console.url, cfg.console.token) : undefined;
}

const part = encodeURIComponent;

/** A coordinator's action on a patient through the console, as the token's user. */
export function patientAction(
  api: ConsoleApi,
  action: 'override' | 'retry' | 'pathology' | 'withdraw',
  target: { study: string; patient: string; timepoint?: string },
  body: unknown,
): Promise<ActionResponse> {
  const patient = `/api/studies/${part(target.study)}/patients/${part(target.patient)}`;
  const route = action === 'override' || action === 'retry' ? `${patient}/timepoints/${part(target.timepoint ?? '')}/${action}` : `${patient}/${action}`;
  return api.post<ActionResponse>(route, body);
}

/**
 * Who a command acts as: the API token's user as the console knows them (verified), or else this machine's user
 * name (unverified: anyone can run a command under any login). A token user without `permission` is refused here,
 * before any work starts, with the console's view of their roles.
 */
export async function actingIdentity(api: ConsoleApi | undefined, permission: Permission, osUser: () => string): Promise<{ name: string; verified: boolean }> {
  if (!api) return { name: osUser(), verified: false };
  const me = await api.get<SessionInfo>('/api/session');
  if (!me.permissions.includes(permission))
    throw new ConsoleApiError(`the API token's user ${me.username} (roles: ${me.roles.join(', ')}) lacks the permission ${permission}`, 403);
  return { name: me.username, verified: true };
}
