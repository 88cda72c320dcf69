import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { S3ArchiveConfig } from '../src/config.js';
import { S3RequestError, S3Requests, s3Address } from '../src/storage/s3-requests.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A local HTTP server that answers each request with the next scripted answer (or hangs on 'hang'). */
function scriptedServer() {
  const seen: Seen[] = [];
  let script: ({ status: number; body?: string; headers?: Record<string, string> } | 'hang')[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const next = script.shift() ?? { status: 200 };
      if (next === 'hang') return;
      res.writeHead(next.status, next.headers ?? {});
      res.end(next.body ?? '');
    });
  });
  return {
    seen,
    server,
    answer(...answers: typeof script) {
      script = answers;
      seen.length = 0;
    },
  };
}

const fake = scriptedServer();
let endpoint = '';
before(async () => {
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
});
after(() => {
  fake.server.closeAllConnections();
  fake.server.close();
});

function requests(overrides: Partial<S3ArchiveConfig> = {}) {
  const config: S3ArchiveConfig = {
    kind: 's3',
    bucket: 'audit',
    prefix: '',
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: undefined,
    requestTimeoutMs: 2000,
    maxAttempts: 3,
    objectLock: undefined,
    sse: undefined,
    ...overrides,
  };
  return new S3Requests(config, async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' }), 1);
}

const xmlError = (code: string) =>
  `<?xml version="1.0"?><Error><Code>${code}</Code><Message>m-${code}</Message></Error>`;

describe('S3 requests', () => {
  it('addresses AWS virtual-hosted style, and path style for dotted buckets and custom endpoints', () => {
    const aws = { endpoint: undefined, region: 'eu-west-1', forcePathStyle: false };
    assert.deepEqual(s3Address({ ...aws, bucket: 'my-archive' }, 'api_access/a b.ndjson'), {
      protocol: 'https:',
      hostname: 'my-archive.s3.eu-west-1.amazonaws.com',
      port: '',
      host: 'my-archive.s3.eu-west-1.amazonaws.com',
      path: '/api_access/a%20b.ndjson',
    });
    assert.equal(s3Address({ ...aws, bucket: 'my.archive' }, 'k').host, 's3.eu-west-1.amazonaws.com');
    assert.equal(s3Address({ ...aws, bucket: 'my.archive' }, 'k').path, '/my.archive/k');
    assert.equal(s3Address({ ...aws, region: 'cn-north-1', bucket: 'b-1' }).host, 'b-1.s3.cn-north-1.amazonaws.com.cn');
    const ceph = { endpoint: 'http://rgw.local:7480/s3/', region: 'us-east-1', bucket: 'audit', forcePathStyle: true };
    assert.deepEqual(s3Address(ceph, 'x/y'), {
      protocol: 'http:',
      hostname: 'rgw.local',
      port: '7480',
      host: 'rgw.local:7480',
      path: '/s3/audit/x/y',
    });
    assert.equal(s3Address(ceph).path, '/s3/audit');
    const ipv6 = s3Address({ ...ceph, endpoint: 'http://[::1]:7480' }, 'k');
    assert.deepEqual([ipv6.hostname, ipv6.host, ipv6.path], ['::1', '[::1]:7480', '/audit/k']);
  });

  it('sends the body with its length (never chunked), signed, and a bare sub-resource query', async () => {
    fake.answer({ status: 200 }, { status: 200 });
    const s3 = requests();
    await s3.send({
      method: 'PUT',
      key: 'p/k.ndjson',
      headers: { 'content-type': 'application/x-ndjson' },
      body: Buffer.from('{"a":1}\n'),
    });
    await s3.send({ method: 'GET', query: { 'object-lock': '' } });
    const [put, get] = fake.seen;
    assert.equal(put?.url, '/audit/p/k.ndjson');
    assert.equal(put?.headers['content-length'], '8');
    assert.equal(put?.headers['transfer-encoding'], undefined);
    assert.equal(put?.body.toString(), '{"a":1}\n');
    assert.match(
      String(put?.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    assert.equal(get?.url, '/audit?object-lock');
  });

  it('retries a 503 SlowDown and succeeds on the next attempt', async () => {
    fake.answer({ status: 503, body: xmlError('SlowDown') }, { status: 200 });
    await requests().send({ method: 'PUT', key: 'k', body: Buffer.from('x') });
    assert.equal(fake.seen.length, 2);
  });

  it('gives up after S3_MAX_ATTEMPTS server errors, with the S3 code and status', async () => {
    fake.answer(...Array.from({ length: 5 }, () => ({ status: 500, body: xmlError('InternalError') })));
    const err = await requests({ maxAttempts: 4 })
      .send({ method: 'PUT', key: 'k', body: Buffer.from('x') })
      .catch((e: unknown) => e);
    assert.ok(err instanceof S3RequestError);
    assert.deepEqual(
      [err.name, err.message, err.status, err.$metadata.httpStatusCode],
      ['InternalError', 'm-InternalError', 500, 500],
    );
    assert.equal(fake.seen.length, 4);
  });

  it('does not retry a refusal such as 403 AccessDenied', async () => {
    fake.answer({ status: 403, body: xmlError('AccessDenied') }, { status: 200 });
    const err = await requests()
      .send({ method: 'PUT', key: 'k', body: Buffer.from('x') })
      .catch((e: unknown) => e);
    assert.ok(err instanceof S3RequestError && err.name === 'AccessDenied' && !err.retryable);
    assert.equal(fake.seen.length, 1);
  });

  it('corrects its clock from the server after RequestTimeTooSkewed and signs the retry with it', async () => {
    const serverTime = new Date(Date.now() + 3 * 3600_000);
    fake.answer(
      { status: 403, body: xmlError('RequestTimeTooSkewed'), headers: { date: serverTime.toUTCString() } },
      { status: 200 },
    );
    await requests().send({ method: 'PUT', key: 'k', body: Buffer.from('x') });
    const [first, retry] = fake.seen.map((s) => String(s.headers['x-amz-date']));
    const parse = (d: string) =>
      Date.parse(d.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    assert.ok(
      Math.abs(parse(retry as string) - parse(first as string) - 3 * 3600_000) < 5000,
      `${first} then ${retry}`,
    );
  });

  it('gives up on a server that never answers after the attempt time limit, each attempt', async () => {
    fake.answer('hang', 'hang');
    const started = Date.now();
    const err = await requests({ requestTimeoutMs: 150, maxAttempts: 2 })
      .send({ method: 'PUT', key: 'k', body: Buffer.from('x') })
      .catch((e: unknown) => e);
    assert.ok(err instanceof S3RequestError && err.name === 'TimeoutError', String(err));
    assert.equal(fake.seen.length, 2);
    assert.ok(Date.now() - started >= 300 && Date.now() - started < 2000);
  });

  it('reaches an S3 endpoint given as an IPv6 literal', async () => {
    const v6 = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    try {
      const port = (v6.address() as AddressInfo).port;
      const answer = await requests({ endpoint: `http://[::1]:${port}` }).send({
        method: 'PUT',
        key: 'k',
        body: Buffer.from('x'),
      });
      assert.equal(answer.status, 200);
    } finally {
      v6.closeAllConnections();
      v6.close();
    }
  });

  it('reports a refused connection as a network error after its attempts', async () => {
    const err = await requests({ endpoint: 'http://127.0.0.1:9', maxAttempts: 2 })
      .send({ method: 'GET', key: 'k' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof S3RequestError);
    assert.equal(err.name, 'NetworkError');
    assert.match(err.message, /ECONNREFUSED/);
  });
});
