import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** The digest format's version; a verifier refuses versions it does not know. */
export const DIGEST_VERSION = 1;
export const DIGEST_PREFIX = '_digests/';

/** One archived object as a digest lists it. */
export interface DigestObject {
  key: string;
  sha256: string;
  size: number;
  events: number;
  /** The earliest and latest event time in the object, as written in the events. */
  first_event_time: string | null;
  last_event_time: string | null;
}

/**
 * A signed statement: "for `event_type`, these are all the objects written in [hour_start, hour_end)"
 * (an hourly digest), or "these objects were written in that hour but were not in its digest" (a backfill
 * digest). Each digest names the one before it by key and SHA-256, so the digests form one chain per
 * event type.
 */
export interface Digest {
  version: number;
  event_type: string;
  kind: 'hourly' | 'backfill';
  /** Position in the chain, from 1. */
  sequence: number;
  hour_start: string;
  hour_end: string;
  generated_at: string;
  objects: DigestObject[];
  previous: { key: string; sha256: string } | null;
  /** SHA-256 of the signer's public key (SPKI DER), hex: says which key signed, for rotation. */
  key_id: string;
  /** Ed25519 signature, base64, over the digest's canonical bytes without this member. */
  signature: string;
}

export type UnsignedDigest = Omit<Digest, 'signature'>;

/**
 * The bytes that are signed: the digest without `signature`, as JSON with members in the order of
 * the interface above and no white space. Objects are listed in ascending key order.
 */
export function canonicalBytes(digest: UnsignedDigest): Buffer {
  const ordered = {
    version: digest.version,
    event_type: digest.event_type,
    kind: digest.kind,
    sequence: digest.sequence,
    hour_start: digest.hour_start,
    hour_end: digest.hour_end,
    generated_at: digest.generated_at,
    objects: digest.objects.map((o) => ({
      key: o.key,
      sha256: o.sha256,
      size: o.size,
      events: o.events,
      first_event_time: o.first_event_time,
      last_event_time: o.last_event_time,
    })),
    previous: digest.previous ? { key: digest.previous.key, sha256: digest.previous.sha256 } : null,
    key_id: digest.key_id,
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

export function keyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function signDigest(digest: UnsignedDigest, privateKey: KeyObject): Digest {
  return { ...digest, signature: sign(null, canonicalBytes(digest), privateKey).toString('base64') };
}

/** True when the signature is the given key's Ed25519 signature over the digest's canonical bytes. */
export function signatureValid(digest: Digest, publicKey: KeyObject): boolean {
  const { signature, ...unsigned } = digest;
  try {
    return verify(null, canonicalBytes(unsigned), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The digest object's bytes as stored: the canonical members plus the signature, then '\n'. */
export function digestBytes(digest: Digest): Buffer {
  const unsigned = canonicalBytes(digest);
  return Buffer.concat([unsigned.subarray(0, -1), Buffer.from(`,"signature":${JSON.stringify(digest.signature)}}\n`)]);
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `_digests/<type>/year=…/month=…/day=…/<hour>Z.<sequence>.<kind>.json`, dated by the hour covered. */
export function digestKey(digest: UnsignedDigest): string {
  const h = digest.hour_start; // YYYY-MM-DDTHH:00:00.000Z
  return `${DIGEST_PREFIX}${digest.event_type}/year=${h.slice(0, 4)}/month=${h.slice(5, 7)}/day=${h.slice(8, 10)}/${h.slice(0, 13).replace(/[-:]/g, '')}Z.${String(digest.sequence).padStart(10, '0')}.${digest.kind}.json`;
}

/** Where the writer keeps the newest digest of a chain. A hint for the writer only; verify never trusts it. */
export function headKey(eventType: string): string {
  return `${DIGEST_PREFIX}${eventType}/HEAD`;
}
