// One closed set of error codes, one mapping to HTTP status (tRPC style).
// Callers branch on `code`, never on message text.
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE',
  'TOO_MANY_REQUESTS',
  'NOT_LEADER',
  'UNAVAILABLE',
  'TIMEOUT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  TOO_MANY_REQUESTS: 429,
  NOT_LEADER: 307,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  INTERNAL: 500,
};

export class TsmesosError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TsmesosError';
    this.code = code;
  }
}

export function isTsmesosError(e: unknown): e is TsmesosError {
  return e instanceof TsmesosError;
}

/** Unknown errors become INTERNAL; the original stays as `cause` for logs. */
export function toTsmesosError(e: unknown): TsmesosError {
  if (e instanceof TsmesosError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TsmesosError('INTERNAL', message, { cause: e });
}

export const badRequest = (message: string): TsmesosError => new TsmesosError('BAD_REQUEST', message);
