import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../src/errors.js';
import { loadSigningKeys } from '../src/secrets.js';
import { signBody, verifySignature } from '../src/verify-signature.js';

function secretsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe('loadSigningKeys', () => {
  const body = Buffer.from('[]');

  it('verifies a secret file ending in a newline whether the sender kept or trimmed the newline', () => {
    const keys = loadSigningKeys(secretsDir({ 'webhook-secret': 'topsecret\n' }));
    // The shared vector: the signature with the newline kept as part of the key.
    assert.equal(
      verifySignature(body, 'sha256=19945890bb37fc8b79704b15980db007240547e0a5f0777a52da94a9ab7df4b6', keys).label,
      'webhook-secret',
    );
    assert.equal(verifySignature(body, signBody(body, 'topsecret'), keys).label, 'webhook-secret (trimmed)');
  });

  it('accepts nothing but the exact and the trimmed secret', () => {
    const keys = loadSigningKeys(secretsDir({ 'webhook-secret': 'topsecret\n' }));
    assert.equal(keys.length, 2);
    for (const other of ['topsecret\n\n', 'topsecre', 'topsecret ', '']) {
      assert.throws(() => verifySignature(body, signBody(body, other), keys));
    }
  });

  it('has a single key when the file has no surrounding white space', () => {
    assert.equal(loadSigningKeys(secretsDir({ 'webhook-secret': 'abc' })).length, 1);
  });

  it('also accepts the previous secret while it is mounted, labelled as such', () => {
    const keys = loadSigningKeys(secretsDir({ 'webhook-secret': 'new\n', 'webhook-secret-previous': 'old\n' }));
    assert.equal(verifySignature(body, signBody(body, 'old'), keys).label, 'webhook-secret-previous (trimmed)');
  });

  it('fails closed, naming the secret, when webhook-secret is missing', () => {
    assert.throws(
      () => loadSigningKeys(secretsDir({})),
      (err: unknown) =>
        err instanceof ConfigError && err.key === 'webhook-secret' && /no secret file/.test(err.message),
    );
  });

  it('fails closed when webhook-secret is empty or only white space', () => {
    assert.throws(
      () => loadSigningKeys(secretsDir({ 'webhook-secret': '\n' })),
      /webhook-secret: secret file .*webhook-secret is empty/,
    );
  });
});
