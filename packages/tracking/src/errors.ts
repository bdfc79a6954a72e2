/**
 * MLflow's error codes (databricks_pb2.ErrorCode names) plus two for failures that never reached
 * a server response.
 */
export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'INVALID_STATE'
  | 'INTERNAL_ERROR'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'ENDPOINT_NOT_FOUND'
  | 'BAD_REQUEST'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | (string & {});

/** An MLflow failure: the server's `{"error_code", "message"}`, its HTTP status, or a client-side failure (no status). */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  readonly errorCode: MlflowErrorCode;
  /** The HTTP status; undefined for the file store and for requests that got no response. */
  readonly httpStatus: number | undefined;
  /** `METHOD /path` of the failed request, when there was one. */
  readonly endpoint: string | undefined;

  constructor(errorCode: MlflowErrorCode, message: string, options: { httpStatus?: number; endpoint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errorCode = errorCode;
    this.httpStatus = options.httpStatus;
    this.endpoint = options.endpoint;
  }
}

/** The code MLflow would send for an HTTP status, for bodies that carry none (proxies, HTML error pages). */
export function errorCodeForStatus(status: number): MlflowErrorCode {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'ENDPOINT_NOT_FOUND';
    case 429:
      return 'REQUEST_LIMIT_EXCEEDED';
    case 503:
      return 'TEMPORARILY_UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : `HTTP_${status}`;
  }
}
