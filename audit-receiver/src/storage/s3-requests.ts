import { createHash } from 'node:crypto';
import http from 'node:http';
import type { S3ArchiveConfig } from '../config.js';
import { EMPTY_SHA256, encodeComponent, encodePath, signRequest, type AwsCredentials } from './sigv4.js';

/** One S3 REST call on the archive's bucket. */
export interface S3Call {
  method: 'GET' | 'PUT' | 'DELETE';
  /** The object key (the archive prefix included); absent for a call on the bucket itself. */
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface S3Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * An error answer from S3, or a failed attempt. `$metadata.httpStatusCode` has the shape the AWS SDK's
 * errors have, so callers read both kinds of error the same way.
 */
export class S3RequestError extends Error {
  readonly $metadata: { httpStatusCode?: number };
  constructor(
    name: string,
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = name;
    this.$metadata = status === undefined ? {} : { httpStatusCode: status };
  }
}

// Answers worth another attempt: the server is busy, briefly down, or the clocks disagree (corrected
// from the server's Date header before the retry).
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const RETRY_CODES = new Set([
  'SlowDown',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'Throttling',
  'ThrottlingException',
]);
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Sends signed S3 REST calls with Node's own HTTP client: what the receiver needs on every delivery
 * (PutObject) and at start-up, without loading the AWS SDK, whose import takes most of a cold start.
 * Keeps connections alive, bounds each attempt by S3_REQUEST_TIMEOUT_MS and makes up to
 * S3_MAX_ATTEMPTS attempts, backing off with jitter between them, on network errors, timeouts, 5xx,
 * 429 and throttling codes.
 */
export class S3Requests {
  private transport: Promise<{ request: typeof http.request; agent: http.Agent }> | undefined;
  private clockOffsetMs = 0;

  constructor(
    private readonly config: S3ArchiveConfig,
    private readonly credentials: () => Promise<AwsCredentials>,
    private readonly backoffBaseMs = 100,
  ) {}

  /** Node's HTTP or HTTPS client with a keep-alive agent; node:https (and TLS) is loaded only for https. */
  private client(protocol: string): Promise<{ request: typeof http.request; agent: http.Agent }> {
    const options = { keepAlive: true, maxSockets: 50, scheduling: 'lifo' as const };
    this.transport ??=
      protocol === 'https:'
        ? import('node:https').then((https) => ({ request: https.request, agent: new https.Agent(options) }))
        : Promise.resolve({ request: http.request, agent: new http.Agent(options) });
    return this.transport;
  }

  /** Sends the call, retrying what is worth retrying; resolves with a 2xx answer or throws S3RequestError. */
  async send(call: S3Call): Promise<S3Answer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(call);
      } catch (err) {
        // Network errors carry a system error code (ECONNRESET, ECONNREFUSED, EAI_AGAIN...); anything
        // else thrown here (Node's own ERR_* codes included) is a defect, not worth another attempt.
        const code = (err as NodeJS.ErrnoException)?.code;
        const network = !(err instanceof S3RequestError) && typeof code === 'string' && /^E(?!RR_)[A-Z]/.test(code);
        if (!network && !(err instanceof S3RequestError)) throw err;
        const retryable = network || (err as S3RequestError).retryable;
        if (!retryable || attempt >= this.config.maxAttempts) throw asRequestError(err);
        const cap = Math.min(20_000, this.backoffBaseMs * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
      }
    }
  }

  private async attempt(call: S3Call): Promise<S3Answer> {
    const body = call.body ?? Buffer.alloc(0);
    const address = s3Address(this.config, call.key);
    const headers = signRequest(
      {
        method: call.method,
        host: address.host,
        path: address.path,
        ...(call.query ? { query: call.query } : {}),
        headers: call.headers ?? {},
        payloadHash: body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex'),
      },
      await this.credentials(),
      this.config.region,
      new Date(Date.now() + this.clockOffsetMs),
    );
    const { request, agent } = await this.client(address.protocol);
    const answer = await this.exchange(
      request,
      {
        protocol: address.protocol,
        hostname: address.hostname,
        port: address.port,
        method: call.method,
        path: address.path + (call.query ? `?${queryString(call.query)}` : ''),
        headers: { ...headers, 'content-length': String(body.length) },
        agent,
      },
      body,
    );
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw this.errorFrom(answer);
  }

  /** One HTTP exchange, given up (and its socket destroyed) when it takes longer than the attempt's limit. */
  private exchange(send: typeof http.request, options: http.RequestOptions, body: Buffer): Promise<S3Answer> {
    const limit = this.config.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const request = send(options, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // Success answers to these calls are small; keep only the start of a large error page.
          if (size <= MAX_ERROR_BODY || (response.statusCode ?? 0) < 300) chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
        });
        response.on('error', fail);
      });
      const timer = setTimeout(() => {
        const timeout = new S3RequestError(
          'TimeoutError',
          `no answer from the S3 server within ${limit} ms`,
          undefined,
          true,
        );
        fail(timeout);
        request.destroy(timeout);
      }, limit);
      function fail(err: Error) {
        clearTimeout(timer);
        reject(err);
      }
      request.on('error', fail);
      request.end(body);
    });
  }

  private errorFrom(answer: S3Answer): S3RequestError {
    const text = answer.body.toString('utf8');
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP${answer.status}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
    if (code === 'RequestTimeTooSkewed') {
      const serverTime = Date.parse(String(answer.headers.date ?? ''));
      if (Number.isFinite(serverTime)) this.clockOffsetMs = serverTime - Date.now();
    }
    const retryable = RETRY_STATUSES.has(answer.status) || RETRY_CODES.has(code);
    return new S3RequestError(code, message || `the S3 server answered ${answer.status}`, answer.status, retryable);
  }
}

/** Where a call on the bucket (or on one of its objects) goes: the connection, Host header and path. */
export function s3Address(
  config: Pick<S3ArchiveConfig, 'endpoint' | 'region' | 'bucket' | 'forcePathStyle'>,
  key?: string,
): { protocol: string; hostname: string; port: string; host: string; path: string } {
  const base = new URL(config.endpoint ?? awsEndpoint(config.region));
  // URL keeps an IPv6 literal's brackets in hostname ([::1]); the HTTP client wants the bare address.
  const hostname = base.hostname.replace(/^\[(.*)\]$/, '$1');
  const basePath = base.pathname.replace(/\/+$/, '');
  const objectPath = key === undefined ? '' : `/${encodePath(key)}`;
  // Virtual-hosted style (bucket.host) unless path style is asked for, or the bucket name cannot be a
  // host label (dots would also break the TLS certificate's wildcard), as the AWS SDK decides too.
  if (!config.forcePathStyle && /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(config.bucket)) {
    return {
      protocol: base.protocol,
      hostname: `${config.bucket}.${base.hostname}`,
      port: base.port,
      host: `${config.bucket}.${base.host}`,
      path: `${basePath}${objectPath}` || '/',
    };
  }
  return {
    protocol: base.protocol,
    hostname,
    port: base.port,
    host: base.host,
    path: `${basePath}/${encodeComponent(config.bucket)}${objectPath}`,
  };
}

/** The regional AWS S3 endpoint, for a bucket in AWS when no S3_ENDPOINT is set. */
function awsEndpoint(region: string): string {
  return `https://s3.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** The query as sent: a parameter without a value is sent bare (`?object-lock`), as S3 documents it. */
function queryString(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([name, value]) =>
      value === '' ? encodeComponent(name) : `${encodeComponent(name)}=${encodeComponent(value)}`,
    )
    .join('&');
}

/** Network failures (refused, reset, DNS) become S3RequestErrors too, keeping the original as the cause. */
function asRequestError(err: unknown): S3RequestError {
  if (err instanceof S3RequestError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new S3RequestError('NetworkError', message, undefined, true, { cause: err });
}
