import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignatureError } from '../src/errors.js';
import { signBody, verifySignature, type SigningKey } from '../src/verify-signature.js';
import { fixture } from './helpers/signed-delivery.js';

interface Vector {
  source: string;
  secret: string;
  body?: string;
  body_file?: string;
  signature: string;
}

const vectors = JSON.parse(fixture('hmac-vectors.json').toString('utf8')) as Vector[];
const key = (secret: string, label = 'webhook-secret'): SigningKey => ({ label, key: Buffer.from(secret) });
const bodyOf = (v: Vector): Buffer => (v.body_file ? fixture(v.body_file) : Buffer.from(v.body ?? ''));

describe('verifySignature', () => {
  for (const vector of vectors) {
    it(`accepts the known vector: ${vector.source}`, () => {
      assert.equal(signBody(bodyOf(vector), vector.secret), vector.signature);
      assert.equal(verifySignature(bodyOf(vector), vector.signature, [key(vector.secret)]).label, 'webhook-secret');
    });
  }

  it('verifies the raw bytes, so {"score":0.0} verifies where its re-serialisation would not', () => {
    const body = Buffer.from('{"score":0.0}');
    const signature = signBody(body, 'topsecret');
    verifySignature(body, signature, [key('topsecret')]);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    assert.throws(() => verifySignature(reserialised, signature, [key('topsecret')]), SignatureError);
  });

  it('accepts upper-case hex digits (the same bytes)', () => {
    const body = Buffer.from('[]');
    const signature = signBody(body, 'k');
    verifySignature(body, `sha256=${signature.slice(7).toUpperCase()}`, [key('k')]);
  });

  it('returns the candidate key that matched, so rotation can be followed in the log', () => {
    const body = Buffer.from('[]');
    const matched = verifySignature(body, signBody(body, 'old'), [key('new'), key('old', 'webhook-secret-previous')]);
    assert.equal(matched.label, 'webhook-secret-previous');
  });

  const body = Buffer.from('Hello, World!');
  const good = signBody(body, 'k');
  const refused: [string, string | string[] | undefined][] = [
    ['a missing header', undefined],
    ['an empty header', ''],
    ['a short digest', 'sha256=abc'],
    ['a digest one digit short', good.slice(0, -1)],
    ['a digest one digit long', `${good}0`],
    ['non-hex digits', `sha256=${'z'.repeat(64)}`],
    ['another algorithm prefix', `sha1=${good.slice(7)}`],
    ['an upper-case prefix', `SHA256=${good.slice(7)}`],
    ['a bare digest without prefix', good.slice(7)],
    ['white space around the value', ` ${good}`],
    ['the header sent twice', [good, good]],
    ['a valid-looking digest of another body', signBody('other', 'k')],
    ['a digest made with another key', signBody(body, 'not-k')],
  ];
  for (const [what, header] of refused) {
    it(`refuses ${what} with SignatureError (401), never a crash`, () => {
      assert.throws(
        () => verifySignature(body, header, [key('k')]),
        (err: unknown) => err instanceof SignatureError && err.status === 401,
      );
    });
  }
});
