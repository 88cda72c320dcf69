import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { readSecretFile } from '../secrets.js';

export const SIGNING_KEY_SECRET = 'digest-signing-key';

/** An Ed25519 private key in PEM (PKCS #8), e.g. from `openssl genpkey -algorithm ed25519`. */
export function parsePrivateKey(pem: Buffer, name: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new ConfigError(name, 'is not a PEM private key', { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ConfigError(name, `is a ${key.asymmetricKeyType} key; digests are signed with Ed25519`);
  return key;
}

export function parsePublicKey(pem: Buffer, name: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new ConfigError(name, 'is not a PEM public key', { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ConfigError(name, `is a ${key.asymmetricKeyType} key; digests are signed with Ed25519`);
  return key;
}

/** The signing key from a file, or from the `digest-signing-key` secret in SECRETS_DIR. */
export function loadSigningKey(file: string | undefined, secretsDir: string): KeyObject {
  if (file) {
    let pem: Buffer;
    try {
      pem = readFileSync(file);
    } catch (err) {
      throw new ConfigError('--private-key', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`, {
        cause: err,
      });
    }
    return parsePrivateKey(pem, '--private-key');
  }
  const pem = readSecretFile(secretsDir, SIGNING_KEY_SECRET);
  if (!pem)
    throw new ConfigError(SIGNING_KEY_SECRET, `no secret file in ${secretsDir}; create it or give --private-key`);
  return parsePrivateKey(pem, SIGNING_KEY_SECRET);
}
