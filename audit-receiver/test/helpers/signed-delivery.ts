import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signBody } from '../../src/verify-signature.js';

/** A delivery as OpenFaaS sends it: lower-case headers and the exact body bytes. */
export interface SignedDelivery {
  method: string;
  headers: Record<string, string>;
  body: Buffer;
}

export const fixturePath = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;
export const fixture = (name: string): Buffer => readFileSync(fixturePath(name));

/**
 * A valid, signed delivery of the api_access fixture batch (or the given body); each test breaks one
 * thing about it. `deliveryId: null` leaves the X-Openfaas-Delivery header out.
 */
export function signedDelivery(
  options: {
    secret?: string | Buffer;
    body?: Buffer | string | unknown[];
    event?: string;
    deliveryId?: string | null;
  } = {},
): SignedDelivery {
  const secret = options.secret ?? 'test-secret';
  const body =
    options.body === undefined
      ? fixture('api_access-batch.json')
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-openfaas-event': options.event ?? 'api_access',
    'x-openfaas-signature-256': signBody(body, secret),
  };
  const deliveryId = options.deliveryId === undefined ? randomUUID() : options.deliveryId;
  if (deliveryId !== null) headers['x-openfaas-delivery'] = deliveryId;
  return { method: 'POST', headers, body };
}

/** The same delivery with one header replaced, or removed when `value` is undefined. */
export function withHeader(delivery: SignedDelivery, name: string, value: string | undefined): SignedDelivery {
  const headers = { ...delivery.headers };
  if (value === undefined) delete headers[name];
  else headers[name] = value;
  return { ...delivery, headers };
}

/** Parses NDJSON text into its lines' values, checking that every line ends with '\n'. */
export function ndjsonLines(text: string): Record<string, unknown>[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error('NDJSON object does not end with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
