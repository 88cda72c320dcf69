// The node20 template's contract, exercised on the real server (plain node, as in the image) with a
// probe handler.
import assert from 'node:assert/strict';
import { request, request as request_ } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { post, repoRoot, startServer, type RunningServer } from './helpers/receiver-process.js';

const probe = `${repoRoot}test/fixtures/probe-handler.js`;

describe('node20 template server, RAW_BODY=true', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ HANDLER_PATH: probe, RAW_BODY: 'true', MAX_RAW_SIZE: '1kb' });
  });
  after(() => server.stop());

  it('gives the handler the exact request bytes as a Buffer, invalid UTF-8 included', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x00, 0x0a, 0xe2, 0x80, 0xa8, 0x7d]);
    const response = await post(`${server.url}some/path?a=1&b=two`, {
      headers: { 'content-type': 'application/json', 'x-probe': 'p' },
      body: bytes,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, {
      isBuffer: true,
      hex: bytes.toString('hex'),
      body: null,
      method: 'POST',
      path: '/some/path',
      query: { a: '1', b: 'two' },
      header: 'p',
    });
  });

  it('gives an empty Buffer for an empty body, with or without a content type', async () => {
    for (const headers of [{}, { 'content-type': 'application/json' }] as Record<string, string>[]) {
      const response = await post(server.url, { headers, body: Buffer.alloc(0) });
      assert.equal(response.json?.isBuffer, true);
      assert.equal(response.json?.hex, '');
    }
  });

  it('accepts a body of exactly MAX_RAW_SIZE and answers 413 above it, declared or chunked', async () => {
    assert.equal((await post(server.url, { headers: {}, body: Buffer.alloc(1024, 0x61) })).status, 200);
    assert.equal((await post(server.url, { headers: {}, body: Buffer.alloc(1025, 0x61) })).status, 413);
    const chunkedStatus = await new Promise<number>((resolve, reject) => {
      const req = request(server.url, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(512, 0x62));
      req.end();
    });
    assert.equal(chunkedStatus, 413);
  });

  it('answers 400, and logs it, for a request target that is not a valid path', async () => {
    const port = new URL(server.url).port;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end('POST //[ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      });
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    await server.waitForOutput(/"status":400,"reason":"bad_request_target"/);
  });

  it('logs its own 413 refusals as JSON lines', async () => {
    await post(server.url, { headers: {}, body: Buffer.alloc(2000) });
    await server.waitForOutput(
      /"msg":"request refused by the template server","method":"POST","status":413,"reason":"body_too_large"/,
    );
  });

  it('sends the status and headers set on the context with succeed(), and ignores the return value then', async () => {
    const response = await post(`${server.url}succeed`, { headers: {}, body: Buffer.alloc(0) });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-probe'), 'yes');
    assert.deepEqual(response.json, { ok: true });
  });

  it('sends a returned string as it is with the handler-set content type', async () => {
    const response = await post(`${server.url}text`, { headers: {}, body: Buffer.alloc(0) });
    assert.equal(response.headers.get('content-type'), 'text/plain');
    assert.equal(response.text, 'plain text');
  });

  it('answers 500 for fail() and for a thrown error without echoing the error text', async () => {
    for (const path of ['fail', 'throw']) {
      const response = await post(`${server.url}${path}`, { headers: {}, body: Buffer.alloc(0) });
      assert.equal(response.status, 500);
      assert.ok(!response.text.includes('must not reach'), response.text);
    }
    await server.waitForOutput(/must not reach the caller/); // logged for the operator
  });

  it('passes every method through to the handler', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await post(server.url, { method, headers: {} });
      assert.equal(response.json?.method, method);
    }
  });
});

describe('node20 template server, RAW_BODY unset', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ HANDLER_PATH: probe });
  });
  after(() => server.stop());

  it('parses JSON bodies and gives text bodies as strings', async () => {
    const json = await post(server.url, {
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"a":[1]}'),
    });
    assert.deepEqual(json.json?.body, { a: [1] });
    const text = await post(server.url, { headers: { 'content-type': 'text/plain' }, body: Buffer.from('hi') });
    assert.equal(text.json?.body, 'hi');
  });

  it('answers 400 to a JSON body that does not parse, without calling the handler', async () => {
    const response = await post(server.url, {
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{'),
    });
    assert.equal(response.status, 400);
  });
});

describe('node20 template server, max_inflight', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ HANDLER_PATH: probe, RAW_BODY: 'true', max_inflight: '2' });
  });
  after(() => server.stop());

  it('answers 429 with Retry-After beyond max_inflight requests, and serves again once they finish', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => post(`${server.url}slow`, { headers: {}, body: Buffer.from('x') })),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 429, 429]);
    assert.equal(answers.find((a) => a.status === 429)?.headers.get('retry-after'), '1');
    assert.equal((await post(`${server.url}slow`, { headers: {}, body: Buffer.from('x') })).status, 200);
  });
});

describe('node20 template server, MAX_BODIES_IN_MEMORY', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({
      HANDLER_PATH: probe,
      RAW_BODY: 'true',
      MAX_RAW_SIZE: '1mb',
      MAX_BODIES_IN_MEMORY: '100kb',
    });
  });
  after(() => server.stop());

  const held = (bytes: number) => post(`${server.url}held`, { headers: {}, body: Buffer.alloc(bytes, 0x61) });

  it('reads no more than its budget of bodies at once: the others wait their turn and none is refused', async () => {
    const answers = await Promise.all(Array.from({ length: 4 }, () => held(60 * 1024)));
    assert.deepEqual(
      answers.map((a) => [a.status, a.json?.bytes, a.json?.concurrent]),
      Array.from({ length: 4 }, () => [200, 60 * 1024, 1]),
    );
  });

  it('handles small bodies together', async () => {
    const answers = await Promise.all(Array.from({ length: 4 }, () => held(1024)));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200],
    );
    assert.equal(Math.max(...answers.map((a) => a.json?.concurrent as number)), 4);
  });

  it('serves a body larger than the budget on its own', async () => {
    const answer = await held(300 * 1024);
    assert.deepEqual([answer.status, answer.json?.bytes], [200, 300 * 1024]);
  });

  it('gives back the share of a pipelined request whose sender hangs up before its turn to answer', async () => {
    // Two requests on one connection; the client leaves while the first is being handled, so the
    // second's response, queued behind it, never gets a 'close' of its own.
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    const request = (path: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx`;
    socket.write(request('/slow') + request('/'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 600)); // the first is answered (to no one) by now
    // A chunked body (no declared length) needs the whole budget free: it would wait for ever on a leak.
    const chunked = await new Promise<number | 'timed out'>((resolve) => {
      const req = request_(
        `${server.url}held`,
        { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.setTimeout(3000, () => {
        req.destroy();
        resolve('timed out');
      });
      req.on('error', () => {});
      req.end(Buffer.alloc(2048));
    });
    assert.equal(chunked, 200);
  });

  it('drops a waiting request whose sender hangs up, and serves the next', async () => {
    const first = held(90 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Declares 90 KB while the first holds 90 KB of the 100 KB budget: it waits, and then hangs up.
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write(`POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: ${90 * 1024}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    socket.destroy();
    const third = held(90 * 1024);
    assert.deepEqual(
      (await Promise.all([first, third])).map((a) => a.status),
      [200, 200],
    );
  });
});

describe('node20 template server, GC_EVERY', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ HANDLER_PATH: probe, RAW_BODY: 'true', GC_EVERY: '64kb' });
  });
  after(() => server.stop());

  it('collects the buffers of answered deliveries once GC_EVERY bytes of bodies went through', async () => {
    assert.equal((await post(`${server.url}track?id=first`, { headers: {}, body: Buffer.alloc(1024) })).status, 200);
    for (let i = 0; i < 4; i++) {
      assert.equal((await post(`${server.url}held`, { headers: {}, body: Buffer.alloc(20 * 1024) })).status, 200);
    }
    // Finalizers run in a task after the collection.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual((await post(`${server.url}collected`, { headers: {} })).json, { first: true });
  });
});

describe('node20 template server, read_timeout', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({
      HANDLER_PATH: probe,
      RAW_BODY: 'true',
      MAX_BODIES_IN_MEMORY: '8kb',
      read_timeout: '300ms',
      // Empty settings count as unset.
      GC_EVERY: '',
      MAX_RAW_SIZE: ' ',
    });
  });
  after(() => server.stop());

  it('answers 408 to a sender that stalls mid-body, and the deliveries waiting behind it go through', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // Declares the whole budget, sends one byte, and stalls.
    socket.write('POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 8192\r\n\r\nx');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = Date.now();
    const behind = await post(`${server.url}held`, { headers: {}, body: Buffer.alloc(6000) });
    assert.equal(behind.status, 200);
    assert.ok(Date.now() - started < 3000, `waited ${Date.now() - started} ms`);
    await closed;
    assert.match(answer, /^HTTP\/1\.1 408 /);
    await server.waitForOutput(/"status":408,"reason":"body_too_slow"/);
  });
});
