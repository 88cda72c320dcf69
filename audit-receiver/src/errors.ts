// Every failure the receiver can answer with. Each carries the HTTP status it maps to and a short,
// stable `reason` used in logs and metrics. Messages are written for the sender and never contain the
// secret or the request body; details that must not reach the sender live in `cause` and go to the log.

export class ReceiverError extends Error {
  readonly status: number;
  readonly reason: string;

  constructor(message: string, status: number, reason: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.reason = reason;
  }
}

/** Only POST carries deliveries. */
export class MethodNotAllowedError extends ReceiverError {
  constructor(method: string) {
    super(`method ${method} is not allowed; deliveries are POSTed`, 405, 'method_not_allowed');
  }
}

/** The delivery is not proven to come from the holder of the webhook secret. */
export class SignatureError extends ReceiverError {
  constructor(message: string) {
    super(message, 401, 'bad_signature');
  }
}

/** The body is not a JSON array of events (bad UTF-8, bad JSON, wrong top-level type). */
export class MalformedBodyError extends ReceiverError {
  constructor(message: string, reason = 'malformed_body') {
    super(message, 400, reason);
  }
}

export interface EventProblem {
  /** Position of the event in the batch, from 0. */
  index: number;
  /** JSON pointer into that event, '' for the event itself. */
  pointer: string;
  message: string;
}

/** The archive could not take the write. Retryable: the sender should try again later. */
export class StorageError extends ReceiverError {
  readonly retryAfterSeconds: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 503, 'storage_unavailable', options);
    this.retryAfterSeconds = 5;
  }
}

/** A setting is missing or invalid. Raised at start-up; `key` names the setting or secret. */
export class ConfigError extends ReceiverError {
  readonly key: string;

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(`${key}: ${message}`, 500, 'config', options);
    this.key = key;
  }
}

/** The function is wired wrongly at run time (e.g. RAW_BODY is not on), so no delivery can be verified. */
export class MisconfiguredError extends ReceiverError {
  constructor(message: string) {
    super(message, 500, 'misconfigured');
  }
}

/**
 * One line about a failure from below (S3, the file system, the network), for logs and the CLI: its
 * name, the HTTP status an S3 error carries, its code, and its message, without repeating the code.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (err as NodeJS.ErrnoException).code;
  const message = code && err.message.startsWith(code) ? err.message : [code, err.message].filter(Boolean).join(': ');
  return [err.name !== 'Error' ? err.name : '', status ? `HTTP ${status}` : '', message].filter(Boolean).join(': ');
}
