import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import type { SigningKey } from './verify-signature.js';

export const WEBHOOK_SECRET = 'webhook-secret';
export const WEBHOOK_SECRET_PREVIOUS = 'webhook-secret-previous';

/** Reads an OpenFaaS secret file; undefined when it does not exist. Any other failure is a ConfigError. */
export function readSecretFile(dir: string, name: string): Buffer | undefined {
  const path = join(dir, name);
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(name, `cannot read secret file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The keys a delivery may be signed with. A secret made by `openssl rand -base64 32 > file` ends in a
 * newline, and whether OpenFaaS trims it before signing is not documented, so both the file's exact
 * bytes and the bytes without surrounding white space are candidates. Nothing else is: a key is either
 * what the operator wrote or that minus white space. The previous secret, when mounted, is accepted the
 * same way so the secret can be rotated without rejecting deliveries in flight.
 */
export function loadSigningKeys(dir: string): SigningKey[] {
  const current = readSecretFile(dir, WEBHOOK_SECRET);
  if (current === undefined) {
    throw new ConfigError(
      WEBHOOK_SECRET,
      `no secret file at ${join(dir, WEBHOOK_SECRET)}; create the OpenFaaS secret or set SECRETS_DIR`,
    );
  }
  const keys = keyVariants(WEBHOOK_SECRET, current, dir);
  const previous = readSecretFile(dir, WEBHOOK_SECRET_PREVIOUS);
  if (previous !== undefined) keys.push(...keyVariants(WEBHOOK_SECRET_PREVIOUS, previous, dir));
  return keys;
}

function keyVariants(name: string, raw: Buffer, dir: string): SigningKey[] {
  const trimmed = Buffer.from(raw.toString('latin1').trim(), 'latin1');
  if (trimmed.length === 0) {
    throw new ConfigError(name, `secret file ${join(dir, name)} is empty`);
  }
  if (trimmed.equals(raw)) return [{ label: name, key: raw }];
  return [
    { label: name, key: raw },
    { label: `${name} (trimmed)`, key: trimmed },
  ];
}
