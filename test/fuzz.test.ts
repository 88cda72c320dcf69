// Property-based tests (fast-check) over headers and bodies, 10,000 cases in all by default
// (FUZZ_RUNS scales them): no crash, no 5xx for bad input, nothing forged stored, and every authentic
// event accounted for exactly once, as sent, one per line.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { handleRequest } from '../audit-receiver/src/handle-delivery.js';
import { Metrics } from '../audit-receiver/src/metrics.js';
import { Receiver } from '../audit-receiver/src/receive-delivery.js';
import { FileStorage } from '../audit-receiver/src/storage/file-storage.js';
import type { ArchiveStorage } from '../audit-receiver/src/storage/storage.js';
import { signBody } from '../audit-receiver/src/verify-signature.js';
import { fixture, ndjsonLines } from '../audit-receiver/test/helpers/signed-delivery.js';
import { post, receiverEnv, secretsDir, startServer, type RunningServer } from './helpers/receiver-process.js';

const SECRET = 'fuzz-secret';
const scale = Number(process.env.FUZZ_RUNS ?? 10_000) / 10_000;
const runs = (n: number) => Math.max(1, Math.round(n * scale));
const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir(); // no disk sync cost for thousands of archives
const keys = [{ label: 'webhook-secret', key: Buffer.from(SECRET) }];
const noLog = () => {};

// Every character Python's str.splitlines() breaks a line on; control characters are the point here.
// eslint-disable-next-line no-control-regex
const LINE_BREAKERS = /[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/;

async function objectsOf(storage: ArchiveStorage): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const { key } of storage.list('')) out.set(key, (await storage.get(key)) as Buffer);
  return out;
}

// ---- generators ----------------------------------------------------------------------------------
const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\u2028', '\u2029', '\u0085', '"', '\\', '\n', '😀', '', '_receipt', '\u0000', '\ud800'),
);
const time = fc.oneof(
  fc
    .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc
    .tuple(
      fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 999_999_999 }),
      fc.constantFrom('Z', '+00:00', '-23:59', '+14:00', '+05:30', 'z'),
    )
    .map(([d, nanos, zone]) => `${d.toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}${zone}`),
  fc.constantFrom(
    '2016-12-31T23:59:60Z',
    '0000-01-01T00:00:00+00:01',
    '9999-12-31T23:59:59-00:01',
    '2023-02-30T00:00:00Z',
    '2023-12-04 17:09:28Z',
  ),
  oddString,
);
const event = fc.record(
  {
    actor: fc.oneof(
      fc.constant(null),
      fc.constant({}),
      fc.record({ sub: oddString, name: oddString, issuer: oddString, fed_issuer: oddString }, { requiredKeys: [] }),
      oddString,
    ),
    path: fc.oneof(oddString, fc.integer()),
    method: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), oddString),
    actions: fc.oneof(
      fc.array(fc.constantFrom('Namespace:List', 'Function:Create')),
      fc.array(fc.jsonValue(), { maxLength: 3 }),
    ),
    response_code: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.integer(), fc.double()),
    time,
    started: time,
    event: fc.constant('function_usage'),
    namespace: oddString,
    function_name: oddString,
    duration: fc.oneof(fc.nat(), fc.integer()),
    memory_bytes: fc.oneof(fc.nat(), fc.double()),
    extra: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: [] },
);
// Events that pass their schema, with odd but legal values everywhere the schema allows them.
const goodTime = fc
  .tuple(
    fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
    fc.integer({ min: 0, max: 999_999_999 }),
    fc.constantFrom('Z', '+00:00', '-23:59', '+14:00'),
  )
  .map(([d, nanos, zone]) => `${d.toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}${zone}`);
const validEventValue = fc.oneof(
  fc.record(
    {
      actor: fc.oneof(fc.constant(null), fc.record({ sub: oddString, name: oddString }, { requiredKeys: [] })),
      path: oddString,
      method: oddString.filter((m) => m.length > 0),
      actions: fc.array(oddString, { maxLength: 3 }),
      response_code: fc.integer({ min: 100, max: 599 }),
      time: goodTime,
      extra: fc.jsonValue({ maxDepth: 3 }),
    },
    { requiredKeys: ['path', 'method', 'response_code', 'time'] },
  ),
  fc.record({
    event: oddString,
    namespace: oddString.filter((m) => m.length > 0),
    function_name: oddString.filter((m) => m.length > 0),
    started: goodTime,
    duration: fc.nat(),
    memory_bytes: fc.nat(),
  }),
);
const prettyBatch = fc
  .tuple(
    fc.array(
      fc.oneof(
        { weight: 5, arbitrary: validEventValue },
        { weight: 4, arbitrary: event },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
      ),
      { maxLength: 8 },
    ),
    fc.constantFrom(undefined, 2, '\t'),
  )
  .map(([events, indent]) => Buffer.from(JSON.stringify(events, null, indent)));
const validEvent = '{"path":"/p","method":"PUT","response_code":200,"time":"2026-12-01T10:00:00Z"';
const bodies = fc.oneof(
  { weight: 8, arbitrary: prettyBatch },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.json().map((t) => Buffer.from(t)) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 3000 })
      .map((d) => Buffer.from(`[${validEvent},"deep":${'['.repeat(d)}${']'.repeat(d)}}]`)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 3000 }).map((d) => Buffer.from(`${'['.repeat(d)}${']'.repeat(d)}`)),
  },
  { weight: 1, arbitrary: fc.bigInt().map((n) => Buffer.from(`[${validEvent},"big":${n}${n}e308,"n":-0.0}]`)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('time', 'path', 'actor', '_receipt')
      .map((k) => Buffer.from(`[${validEvent},"${k}":"again"}]`)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '[]', '{}', 'null', '[,]', '\ufeff[]', '[{}]').map((t) => Buffer.from(t)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete'))
      .map(([at, byte, how]) => {
        const b = fixture('api_access-batch.json');
        const i = at % b.length;
        if (how === 'flip') return Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i + 1)]);
        if (how === 'insert') return Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
        return Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
      }),
  },
);
const eventHeader = fc.oneof(
  { weight: 4, arbitrary: fc.constant('api_access') },
  { weight: 2, arbitrary: fc.constant('function_usage') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

describe('fuzz', () => {
  const dirs: string[] = [];
  const freshStorage = () => {
    const dir = mkdtempSync(join(scratch, 'fuzz-'));
    dirs.push(dir);
    return new FileStorage(dir);
  };
  const cleanup = () => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  after(cleanup);

  it(`stores nothing and answers 401 for any delivery not signed with the secret (${runs(3000)} cases)`, async () => {
    const storage = freshStorage();
    const receiver = new Receiver(keys, storage);
    const metrics = new Metrics();
    const forgedSignature = (body: Buffer) =>
      fc.oneof(
        fc.constant(undefined),
        fc.string({ maxLength: 80 }),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 70 }).map((h) => `sha256=${h}`),
        fc.constantFrom('sha1=', 'sha512=', 'SHA256=', '').map((p) => p + signBody(body, SECRET).slice(7)),
        fc
          .string({ minLength: 1 })
          .filter((k) => k !== SECRET && `${k}` !== SECRET)
          .map((k) => signBody(body, k)),
        fc
          .uint8Array({ minLength: 1, maxLength: 4 })
          .map((extra) => signBody(Buffer.concat([body, Buffer.from(extra)]), SECRET)),
      );
    await fc.assert(
      fc.asyncProperty(
        bodies.chain((body) =>
          fc.tuple(fc.constant(body), forgedSignature(body), eventHeader, fc.constantFrom('POST', 'PUT', 'GET')),
        ),
        async ([body, signature, type, method]) => {
          const headers: Record<string, string> = {};
          if (signature !== undefined) headers['x-openfaas-signature-256'] = signature;
          if (type !== undefined) headers['x-openfaas-event'] = type;
          const result = await handleRequest(receiver, metrics, { method, headers, body }, noLog);
          assert.equal(result.status, method === 'POST' ? 401 : 405);
        },
      ),
      { numRuns: runs(3000) },
    );
    assert.equal((await objectsOf(storage)).size, 0, 'nothing forged was stored');
  });

  it(`answers 200 or 400 to any authentic delivery and keeps every event exactly once, as sent (${runs(6000)} cases)`, async (t) => {
    const outcomes = { archived: 0, quarantined: 0, kept: 0, refused400: 0, events: 0 };
    await fc.assert(
      fc.asyncProperty(bodies, eventHeader, fc.option(fc.string({ maxLength: 40 })), async (body, type, deliveryId) => {
        const storage = freshStorage();
        const receiver = new Receiver(keys, storage);
        const headers: Record<string, string> = { 'x-openfaas-signature-256': signBody(body, SECRET) };
        if (type !== undefined) headers['x-openfaas-event'] = type;
        if (deliveryId !== null) headers['x-openfaas-delivery'] = deliveryId;
        const result = await handleRequest(receiver, new Metrics(), { method: 'POST', headers, body }, noLog);
        assert.ok(
          result.status === 200 || result.status === 400,
          `status ${result.status}: ${JSON.stringify(result.body)}`,
        );
        const objects = await objectsOf(storage);
        for (const key of objects.keys())
          assert.match(
            key,
            /^(_quarantine\/|_unknown\/)?[a-z0-9_-]+\/year=\d{4}\/month=\d\d\/day=\d\d\/[0-9a-f]{32}\.(ndjson|raw)$/,
          );
        const answer = result.body as Record<string, unknown>;
        const known = type === 'api_access' || type === 'function_usage';
        if (result.status === 400 || !known) {
          // Kept as sent: the exact body, once.
          assert.equal(objects.size, 1);
          assert.deepEqual([...objects.values()][0], body);
          if (result.status === 400) outcomes.refused400++;
          else outcomes.kept++;
          cleanup();
          return;
        }
        const elements = JSON.parse(new TextDecoder().decode(body)) as unknown[];
        assert.equal(answer.events, elements.length);
        assert.equal(Number(answer.archived) + Number(answer.quarantined), elements.length);
        // Every element, exactly once: archived lines carry the event itself, quarantine lines embed it.
        const expected = elements.map((e) => JSON.stringify(e)).sort();
        const found: string[] = [];
        for (const [key, bytes] of objects) {
          const text = bytes.toString('utf8');
          for (const line of text.slice(0, -1).split('\n')) assert.ok(!LINE_BREAKERS.test(line), 'one event per line');
          for (const line of ndjsonLines(text)) {
            if (key.startsWith('_quarantine/')) {
              found.push(JSON.stringify(line.event));
            } else {
              const { _receipt, ...rest } = line;
              assert.equal(typeof _receipt, 'object');
              found.push(JSON.stringify(rest));
            }
          }
        }
        assert.deepEqual(found.sort(), expected);
        outcomes.archived += Number(answer.archived);
        outcomes.quarantined += Number(answer.quarantined);
        outcomes.events += elements.length;
        cleanup();
      }),
      {
        numRuns: runs(6000),
        ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH } : {}),
      },
    );
    t.diagnostic(`authentic fuzz outcomes: ${JSON.stringify(outcomes)}`);
  });

  describe('through the template server', () => {
    let server: RunningServer;
    let archive: string;
    before(async () => {
      archive = mkdtempSync(join(scratch, 'fuzz-http-'));
      dirs.push(archive);
      server = await startServer(
        receiverEnv({ ARCHIVE_URL: `file:${archive}`, SECRETS_DIR: secretsDir({ 'webhook-secret': SECRET }) }),
      );
    });
    after(() => server.stop());

    it(`never answers 5xx to odd methods, content types or bodies (${runs(1000)} cases)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GET'),
          fc.constantFrom(
            undefined,
            'application/json',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/octet-stream',
            '*/*; charset=latin1',
          ),
          bodies,
          fc.boolean(),
          async (method, contentType, body, signed) => {
            const headers: Record<string, string> = { 'x-openfaas-event': 'api_access' };
            if (contentType) headers['content-type'] = contentType;
            if (signed) headers['x-openfaas-signature-256'] = signBody(body, SECRET);
            const response = await post(server.url, { method, headers, body });
            assert.ok(response.status < 500, `status ${response.status}`);
            if (method !== 'POST') assert.equal(response.status, 405);
            else if (!signed) assert.equal(response.status, 401);
            else assert.ok(response.status === 200 || response.status === 400, `status ${response.status}`);
          },
        ),
        { numRuns: runs(1000) },
      );
      assert.equal((await post(server.url, { method: 'GET', headers: {} })).status, 405, 'the server is still up');
    });
  });
});
