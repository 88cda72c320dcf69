import { createHash, createHmac } from 'node:crypto';

/** Keys to sign S3 requests with; a session token comes with temporary (role) credentials. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** A request as AWS Signature Version 4 sees it. */
export interface RequestToSign {
  method: string;
  host: string;
  /** The request path as sent, already encoded with encodePath. */
  path: string;
  /** Query parameters; a parameter without a value (`?object-lock`) has the value ''. */
  query?: Readonly<Record<string, string>>;
  /** Headers to send and sign besides host, x-amz-date, x-amz-content-sha256 and the session token. */
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body (of '' when there is none). */
  payloadHash: string;
}

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/**
 * RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ is encoded (unlike
 * encodeURIComponent, which leaves ! ' ( ) * alone); '/' is kept in paths.
 */
export function encodePath(path: string): string {
  return path.split('/').map(encodeComponent).join('/');
}

export function encodeComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical query string: encoded names and values, sorted by name, `name=value` joined by '&'. */
export function canonicalQuery(query: Readonly<Record<string, string>> = {}): string {
  return Object.entries(query)
    .map(([name, value]) => [encodeComponent(name), encodeComponent(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

let cachedKey: { scope: string; secret: string; key: Buffer } | undefined;

/** The day's signing key, derived once per day, region and secret (an HMAC chain of four steps). */
function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const scope = `${day}/${region}/${service}`;
  if (cachedKey?.scope === scope && cachedKey.secret === secret) return cachedKey.key;
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
  cachedKey = { scope, secret, key };
  return key;
}

/**
 * Signs a request with AWS Signature Version 4 (header form) and returns every header to send with it:
 * the given ones plus host, x-amz-date, x-amz-content-sha256, x-amz-security-token and Authorization.
 */
export function signRequest(
  request: RequestToSign,
  credentials: AwsCredentials,
  region: string,
  now: Date,
  service = 's3',
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...request.headers,
    host: request.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': request.payloadHash,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const canonical = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = canonical.map(([name]) => name).join(';');
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery(request.query),
    ...canonical.map(([name, value]) => `${name}:${value}`),
    '',
    signedHeaders,
    request.payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, region, service))
    .update(stringToSign)
    .digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
