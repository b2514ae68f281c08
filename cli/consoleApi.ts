// The console's JSON API as the CLI calls it when a command is signed with an API token (OSTEOFLOW_CONSOLE_URL +
// OSTEOFLOW_API_TOKEN): the action then runs as the token's user — the console checks the role, applies four eyes and
// writes the audit entry — instead of naming someone with free text. Errors carry the console's own message.
import type { OsteoflowConfig } from '../config';
import type { ActionResponse, ApiError } from '../contracts/console';

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

  async post<T>(route: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(route, this.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
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
