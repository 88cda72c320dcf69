import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from './errors.js';

/** One key the sender may have signed with, and a label that says which, for the log. */
export interface SigningKey {
  label: string;
  key: Buffer;
}

export const SIGNATURE_HEADER = 'x-openfaas-signature-256';

const DIGEST_BYTES = 32;
// `sha256=` then exactly 64 hex digits. Either case of hex is taken (the bytes are the same); the
// algorithm prefix is required, lower case, because a bare digest does not say what it is.
const HEADER_FORMAT = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Checks `X-Openfaas-Signature-256` against the raw body bytes with each candidate key, in constant
 * time for each comparison. Returns the key that matched; throws SignatureError otherwise.
 * Must run before the body is decoded or parsed: only the bytes as sent were signed.
 */
export function verifySignature(
  body: Buffer,
  header: string | string[] | undefined,
  keys: readonly SigningKey[],
): SigningKey {
  if (header === undefined || header === '') {
    throw new SignatureError('missing X-Openfaas-Signature-256 header');
  }
  if (typeof header !== 'string') {
    throw new SignatureError('X-Openfaas-Signature-256 given more than once');
  }
  const match = HEADER_FORMAT.exec(header);
  if (!match?.[1]) {
    throw new SignatureError('X-Openfaas-Signature-256 must be sha256=<64 hex digits>');
  }
  const given = Buffer.from(match[1], 'hex');
  for (const candidate of keys) {
    const expected = createHmac('sha256', candidate.key).update(body).digest();
    // Both are 32 bytes by construction; the check keeps timingSafeEqual from ever throwing.
    if (expected.length === DIGEST_BYTES && given.length === DIGEST_BYTES && timingSafeEqual(expected, given)) {
      return candidate;
    }
  }
  throw new SignatureError('signature does not match the body');
}

/** `sha256=<hex>` for a body, as OpenFaaS sends it. Used by the CLI and the tests. */
export function signBody(body: Buffer | string, key: Buffer | string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}
