// The console API's errors: an HttpError carries the status and the ApiError body (contracts/console.ts); the
// backend's refusals say whether they are a bad request (400), a conflict (409) or a missing thing (404).
import type { ApiError, Permission } from '../../contracts/console';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export const statusText = (status: number): string => STATUS_TEXT[status] ?? 'Error';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: { permission?: Permission; field?: string } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): ApiError {
    return { statusCode: this.statusCode, error: statusText(this.statusCode), message: this.message, ...this.extra };
  }
}

export const badRequest = (message: string, field?: string) => new HttpError(400, message, field ? { field } : {});
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
export const forbidden = (message: string, permission?: Permission) => new HttpError(403, message, permission ? { permission } : {});

/**
 * A backend's refusal of an action for its content: a timeline's update validator ("unknown timepoint …"), an
 * open promotion, pathology already recorded. Nothing was changed.
 */
export class ActionRefused extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'conflict' | 'not-found' = 'invalid',
  ) {
    super(message);
    this.name = 'ActionRefused';
  }

  toHttp(): HttpError {
    return new HttpError(this.kind === 'conflict' ? 409 : this.kind === 'not-found' ? 404 : 400, this.message);
  }
}
