import type { KeyObject } from 'node:crypto';
import { daysBetween } from '../archive/partitions.js';
import { formatDay, type UtcDay } from '../event-time.js';
import type { EventType } from '../event-types.js';
import { partitionPrefix, QUARANTINE_PREFIX } from '../object-key.js';
import type { ArchiveStorage } from '../storage/storage.js';
import { DIGEST_PREFIX, DIGEST_VERSION, keyId, sha256Hex, signatureValid, type Digest } from './digest-format.js';

export type Verdict = 'ok' | 'missing' | 'altered' | 'unlisted' | 'bad_signature' | 'broken_chain';

export interface Finding {
  verdict: Verdict;
  subject: 'object' | 'digest';
  key: string;
  detail: string;
}

export interface VerifyOptions {
  storage: ArchiveStorage;
  eventTypes: readonly EventType[];
  from: UtcDay;
  to: UtcDay;
  /** Every key that may have signed (old and new, across a rotation). */
  publicKeys: readonly KeyObject[];
  /** Days after `to` whose digests may list objects of the range (late writes); as the job's lookback. */
  lookbackDays?: number;
}

/**
 * Checks the digests of the days in [from, to] (and the `lookbackDays` after, for late objects) and
 * everything they list: each digest's signature and its link to the one before; each listed object
 * against its recorded SHA-256; and every object in the range's partitions against the digests, so an
 * object no digest lists is reported as added. Returns one finding per digest and per object.
 */
export async function verifyDigests(options: VerifyOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const type of options.eventTypes) findings.push(...(await verifyEventType(type, options)));
  return findings;
}

async function verifyEventType(type: EventType, options: VerifyOptions): Promise<Finding[]> {
  const { storage } = options;
  const findings: Finding[] = [];
  const keys = new Map(options.publicKeys.map((k) => [keyId(k), k]));
  const last = new Date(
    Date.UTC(options.to.year, options.to.month - 1, options.to.day) + (options.lookbackDays ?? 2) * 86_400_000,
  );
  const digestDays = [
    ...daysBetween(options.from, {
      year: last.getUTCFullYear(),
      month: last.getUTCMonth() + 1,
      day: last.getUTCDate(),
    }),
  ];

  const digests: { key: string; bytes: Buffer; digest: Digest }[] = [];
  for (const day of digestDays) {
    for await (const { key } of storage.list(partitionPrefix(DIGEST_PREFIX, type.name, day))) {
      const bytes = await storage.get(key);
      if (!bytes) continue;
      let digest: Digest;
      try {
        digest = JSON.parse(bytes.toString('utf8')) as Digest;
        if (digest.version !== DIGEST_VERSION || !Array.isArray(digest.objects)) throw new Error('not a digest');
      } catch {
        findings.push({ verdict: 'altered', subject: 'digest', key, detail: 'not a readable digest' });
        continue;
      }
      const publicKey = keys.get(digest.key_id);
      if (!publicKey || !signatureValid(digest, publicKey)) {
        findings.push({
          verdict: 'bad_signature',
          subject: 'digest',
          key,
          detail: publicKey
            ? 'signature does not match the digest'
            : `signed by an unknown key ${digest.key_id.slice(0, 16)}…`,
        });
        continue;
      }
      digests.push({ key, bytes, digest });
    }
  }

  // The chain: each digest names its predecessor by key and hash.
  digests.sort((a, b) => a.digest.sequence - b.digest.sequence);
  const byKey = new Map(digests.map((d) => [d.key, d]));
  for (const { key, digest } of digests) {
    const previous = digest.previous;
    if (previous === null) {
      findings.push(
        digest.sequence === 1
          ? { verdict: 'ok', subject: 'digest', key, detail: 'signature valid; first in the chain' }
          : {
              verdict: 'broken_chain',
              subject: 'digest',
              key,
              detail: 'names no previous digest but is not the first',
            },
      );
      continue;
    }
    const before = byKey.get(previous.key)?.bytes ?? (await storage.get(previous.key));
    if (!before) {
      findings.push({
        verdict: 'broken_chain',
        subject: 'digest',
        key,
        detail: `previous digest ${previous.key} is missing`,
      });
    } else if (sha256Hex(before) !== previous.sha256) {
      findings.push({
        verdict: 'broken_chain',
        subject: 'digest',
        key,
        detail: `previous digest ${previous.key} does not hash as recorded`,
      });
    } else {
      findings.push({
        verdict: 'ok',
        subject: 'digest',
        key,
        detail: `signature valid; follows #${digest.sequence - 1}`,
      });
    }
  }
  for (let i = 1; i < digests.length; i++) {
    const [a, b] = [digests[i - 1]!.digest, digests[i]!.digest];
    if (b.sequence !== a.sequence + 1) {
      findings.push({
        verdict: 'broken_chain',
        subject: 'digest',
        key: digests[i]!.key,
        detail: `digests #${a.sequence + 1}…#${b.sequence - 1} are missing`,
      });
    }
  }

  // The objects the digests list.
  const listed = new Map<string, string>();
  for (const { digest } of digests) for (const o of digest.objects) listed.set(o.key, o.sha256);
  for (const [key, sha256] of listed) {
    const body = await storage.get(key);
    if (!body)
      findings.push({
        verdict: 'missing',
        subject: 'object',
        key,
        detail: 'listed in a digest but not in the archive',
      });
    else if (sha256Hex(body) !== sha256)
      findings.push({ verdict: 'altered', subject: 'object', key, detail: 'SHA-256 differs from the digest' });
    else findings.push({ verdict: 'ok', subject: 'object', key, detail: 'matches its digest' });
  }

  // Objects in the range that no digest lists: added after the fact (or not digested yet).
  for (const day of daysBetween(options.from, options.to)) {
    for (const prefix of [partitionPrefix('', type.name, day), partitionPrefix(QUARANTINE_PREFIX, type.name, day)]) {
      for await (const { key } of storage.list(prefix)) {
        if (!listed.has(key))
          findings.push({
            verdict: 'unlisted',
            subject: 'object',
            key,
            detail: `in ${formatDay(day)} but in no digest`,
          });
      }
    }
  }
  return findings;
}
