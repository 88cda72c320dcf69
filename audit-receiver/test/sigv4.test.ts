import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalQuery, EMPTY_SHA256, encodePath, signRequest, type RequestToSign } from '../src/storage/sigv4.js';

// The worked examples of the Amazon S3 API Reference, "Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk (AWS Signature Version 4)".
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const when = new Date('2013-05-24T00:00:00Z');
const host = 'examplebucket.s3.amazonaws.com';

function signatureOf(request: Omit<RequestToSign, 'host'>, token?: string) {
  const headers = signRequest({ ...request, host }, { ...credentials, sessionToken: token }, 'us-east-1', when);
  const m = /^AWS4-HMAC-SHA256 Credential=(\S+), SignedHeaders=(\S+), Signature=([0-9a-f]{64})$/.exec(
    headers.authorization ?? '',
  );
  assert.ok(m, headers.authorization);
  return { credential: m[1], signedHeaders: m[2], signature: m[3], headers };
}

describe('AWS Signature Version 4', () => {
  it('signs the documented GET Object example (a Range header)', () => {
    const out = signatureOf({
      method: 'GET',
      path: '/test.txt',
      headers: { range: 'bytes=0-9' },
      payloadHash: EMPTY_SHA256,
    });
    assert.equal(out.signature, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    assert.equal(out.signedHeaders, 'host;range;x-amz-content-sha256;x-amz-date');
    assert.equal(out.credential, 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request');
    assert.equal(out.headers['x-amz-date'], '20130524T000000Z');
  });

  it('signs the documented PUT Object example (a key with $, mixed-case header names)', () => {
    const out = signatureOf({
      method: 'PUT',
      path: encodePath('/test$file.text'),
      headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
      payloadHash: createHash('sha256').update('Welcome to Amazon S3.').digest('hex'),
    });
    assert.equal(out.signature, '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
    assert.equal(out.signedHeaders, 'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class');
  });

  it('signs the documented GET Bucket Lifecycle example (a parameter without a value)', () => {
    const out = signatureOf({
      method: 'GET',
      path: '/',
      query: { lifecycle: '' },
      headers: {},
      payloadHash: EMPTY_SHA256,
    });
    assert.equal(out.signature, 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it('signs the documented GET Bucket (list) example (parameters sorted by name)', () => {
    const out = signatureOf({
      method: 'GET',
      path: '/',
      query: { prefix: 'J', 'max-keys': '2' },
      headers: {},
      payloadHash: EMPTY_SHA256,
    });
    assert.equal(out.signature, '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  it('signs a session token, so temporary credentials work', () => {
    const out = signatureOf({ method: 'GET', path: '/test.txt', headers: {}, payloadHash: EMPTY_SHA256 }, 'token/+=');
    assert.equal(out.headers['x-amz-security-token'], 'token/+=');
    assert.equal(out.signedHeaders, 'host;x-amz-content-sha256;x-amz-date;x-amz-security-token');
  });

  it('encodes keys the way S3 canonicalises them: RFC 3986, slashes kept, UTF-8 bytes', () => {
    assert.equal(encodePath("a b/c!'()*~-_.x"), 'a%20b/c%21%27%28%29%2A~-_.x');
    assert.equal(encodePath('api_access/2026/12/03/é+%.ndjson'), 'api_access/2026/12/03/%C3%A9%2B%25.ndjson');
    assert.equal(canonicalQuery({ b: '1 2', a: '', 'c~': '*' }), 'a=&b=1%202&c~=%2A');
  });
});
