import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { handleRequest } from '../src/handle-delivery.js';
import { Metrics } from '../src/metrics.js';
import { Receiver } from '../src/receive-delivery.js';
import { FileStorage } from '../src/storage/file-storage.js';
import type { ArchiveStorage, StoredObject } from '../src/storage/storage.js';
import { fixture, ndjsonLines, signedDelivery, withHeader } from './helpers/signed-delivery.js';

const SECRET = 'test-secret';
const keys = [{ label: 'webhook-secret', key: Buffer.from(SECRET) }];
const now = () => new Date('2026-12-03T10:00:00.000Z');
const digestOf = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 32);
const fixtureEvents = () => JSON.parse(fixture('api_access-batch.json').toString()) as Record<string, unknown>[];

function setup(storage?: ArchiveStorage) {
  const store = storage ?? new FileStorage(mkdtempSync(join(tmpdir(), 'archive-')));
  const logs: Record<string, unknown>[] = [];
  const receiver = new Receiver(keys, store, now);
  const metrics = new Metrics();
  return {
    store,
    logs,
    metrics,
    send: async (delivery: Parameters<Receiver['receive']>[0]) => {
      const result = await handleRequest(receiver, metrics, delivery, (l) => logs.push(l));
      assert.equal(typeof result.body, 'object');
      return result as { status: number; headers: Record<string, string>; body: Record<string, unknown> };
    },
  };
}

async function keysIn(store: ArchiveStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list('')) out.push(o.key);
  return out;
}

describe('Receiver', () => {
  it('archives the fixture batch into one object per UTC day, every event with its receipt', async () => {
    const { store, send, logs } = setup();
    const delivery = signedDelivery({ deliveryId: 'd-1' });
    const name = `${digestOf(delivery.body)}.ndjson`;
    const result = await send(delivery);
    assert.equal(result.status, 200);
    assert.equal(result.body.events, 3);
    const keys = await keysIn(store);
    assert.equal(keys.length, 2);
    assert.deepEqual(keys, [
      `api_access/year=2026/month=11/day=30/${name}`,
      `api_access/year=2026/month=12/day=01/${name}`,
    ]);
    const day1 = ndjsonLines((await store.get(keys[1] as string))?.toString('utf8') ?? '');
    assert.equal(day1.length, 2);
    assert.deepEqual(day1[0]?._receipt, { delivery_id: 'd-1', received_at: '2026-12-03T10:00:00.000Z' });
    assert.equal(logs.length, 1);
    assert.equal(logs[0]?.outcome, 'archived');
  });

  it('answers 401 and stores nothing when the signature is wrong', async () => {
    const { store, send } = setup();
    const result = await send(withHeader(signedDelivery(), 'x-openfaas-signature-256', `sha256=${'0'.repeat(64)}`));
    assert.equal(result.status, 401);
    assert.deepEqual(await keysIn(store), []);
  });

  it('checks the signature before anything else: an unsigned malformed body is a 401, not a 400', async () => {
    const { send } = setup();
    const result = await send(withHeader(signedDelivery({ body: '{not json' }), 'x-openfaas-signature-256', undefined));
    assert.equal(result.status, 401);
  });

  it('answers 405 with Allow: POST for other methods', async () => {
    const { send } = setup();
    const result = await send({ ...signedDelivery(), method: 'GET' });
    assert.equal(result.status, 405);
    assert.equal(result.headers.Allow, 'POST');
  });

  it('answers 400 for a signed body that is not a JSON array, and keeps the authentic bytes in quarantine', async () => {
    const { store, send } = setup();
    const delivery = signedDelivery({ secret: SECRET, body: '[{"path":', deliveryId: 'broken-1' });
    const result = await send(delivery);
    assert.equal(result.status, 400);
    assert.match(String(result.body.message), /kept in quarantine/);
    const keys = await keysIn(store);
    assert.deepEqual(keys, [`_quarantine/api_access/year=2026/month=12/day=03/${digestOf(delivery.body)}.raw`]);
    assert.deepEqual(await store.get(keys[0] as string), delivery.body);
  });

  it('archives the valid events of a batch and quarantines the invalid ones with the reason', async () => {
    const { store, send } = setup();
    const [good, , noActor] = fixtureEvents();
    const bad = { path: '/', method: 'GET', response_code: 200, time: 'now', extra: 0.5 };
    const result = await send(signedDelivery({ body: [good, bad, noActor], deliveryId: 'mixed-1' }));
    assert.equal(result.status, 200);
    assert.deepEqual([result.body.events, result.body.archived, result.body.quarantined], [3, 2, 1]);
    assert.deepEqual(result.body.problems, [{ index: 1, pointer: '/time', message: 'must match format "date-time"' }]);
    const keys = await keysIn(store);
    assert.deepEqual(
      keys.map((k) => k.replace(/[^/]+$/, '')),
      [
        '_quarantine/api_access/year=2026/month=12/day=03/',
        'api_access/year=2026/month=11/day=30/',
        'api_access/year=2026/month=12/day=01/',
      ],
    );
    const [line] = ndjsonLines((await store.get(keys[0] as string))?.toString() ?? '');
    assert.deepEqual(line, {
      index: 1,
      pointer: '/time',
      reason: 'must match format "date-time"',
      event: bad,
      _receipt: { delivery_id: 'mixed-1', received_at: '2026-12-03T10:00:00.000Z' },
    });
  });

  it('quarantines every event of an all-invalid batch and writes nothing to the event partitions', async () => {
    const { store, send } = setup();
    const result = await send(signedDelivery({ body: [{}, { time: 'x' }, 'not an object'] }));
    assert.equal(result.status, 200);
    assert.equal(result.body.quarantined, 3);
    assert.ok((await keysIn(store)).every((k) => k.startsWith('_quarantine/')));
  });

  it('keeps the body of an unknown or missing X-Openfaas-Event as sent, under _unknown/', async () => {
    const { store, send, logs } = setup();
    const surprise = signedDelivery({ event: 'function_deploy', body: '{"anything":"at all"}', deliveryId: 'u-1' });
    const result = await send(surprise);
    assert.equal(result.status, 200);
    assert.equal(result.body.status, 'kept');
    const missing = withHeader(signedDelivery({ deliveryId: 'u-2' }), 'x-openfaas-event', undefined);
    assert.equal((await send(missing)).status, 200);
    const hostile = signedDelivery({ event: '../../api_access', body: '[]', deliveryId: 'u-3' });
    assert.equal((await send(hostile)).status, 200);
    const keys = await keysIn(store);
    assert.equal(keys.length, 3);
    assert.ok(keys.includes(`_unknown/function_deploy/year=2026/month=12/day=03/${digestOf(surprise.body)}.raw`));
    assert.ok(keys.includes(`_unknown/no-event-header/year=2026/month=12/day=03/${digestOf(missing.body)}.raw`));
    assert.ok(keys.some((k) => /^_unknown\/h-[0-9a-f]{32}\/year=2026\/month=12\/day=03\/[0-9a-f]{32}\.raw$/.test(k)));
    assert.deepEqual(await store.get(keys.find((k) => k.includes('function_deploy')) as string), surprise.body);
    assert.equal(logs[0]?.msg, 'unknown event type kept as sent');
  });

  it('answers 503 with Retry-After when the archive refuses the write, and says why in the log only', async () => {
    const failing: ArchiveStorage = {
      description: 'broken',
      put: async () => {
        throw new Error('disk on fire at s3://secret-bucket');
      },
      get: async () => undefined,
      list: async function* (): AsyncIterable<StoredObject> {},
    };
    const { send, logs } = setup(failing);
    const result = await send(signedDelivery());
    assert.equal(result.status, 503);
    assert.equal(result.headers['Retry-After'], '5');
    assert.ok(!JSON.stringify(result.body).includes('disk on fire'));
    assert.match(String(logs[0]?.detail), /disk on fire/);
  });

  it('answers 500 when the template does not give raw bytes (RAW_BODY unset), never accepting', async () => {
    const { send } = setup();
    const delivery = signedDelivery();
    const result = await send({ ...delivery, body: JSON.parse(delivery.body.toString()) });
    assert.equal(result.status, 500);
    assert.equal(result.body.error, 'misconfigured');
  });

  it('archives function_usage batches under their own partitions by started', async () => {
    const { store, send } = setup();
    const result = await send(
      signedDelivery({ event: 'function_usage', body: fixture('function_usage-batch.json'), deliveryId: 'm-1' }),
    );
    assert.equal(result.status, 200);
    const keys = await keysIn(store);
    assert.deepEqual(
      keys.map((k) => k.replace(/[^/]+$/, '')),
      ['function_usage/year=2026/month=12/day=01/'],
    );
  });

  it('accepts an empty batch and writes nothing', async () => {
    const { store, send } = setup();
    const result = await send(signedDelivery({ body: '[]' }));
    assert.equal(result.status, 200);
    assert.equal(result.body.events, 0);
    assert.deepEqual(await keysIn(store), []);
  });
});

describe('GET /metrics', () => {
  it('counts deliveries by outcome and reason, and events by type and destination', async () => {
    const { send, metrics } = setup();
    await send(signedDelivery({ body: [fixtureEvents()[0], { time: 'x' }] }));
    await send(withHeader(signedDelivery(), 'x-openfaas-signature-256', 'sha256=00'));
    const text = metrics.render();
    assert.match(text, /^audit_receiver_deliveries_total\{outcome="archived",reason=""\} 1$/m);
    assert.match(text, /^audit_receiver_deliveries_total\{outcome="refused",reason="bad_signature"\} 1$/m);
    assert.match(text, /^audit_receiver_events_total\{event_type="api_access",outcome="archived"\} 1$/m);
    assert.match(text, /^audit_receiver_events_total\{event_type="api_access",outcome="quarantined"\} 1$/m);
    assert.match(text, /^audit_receiver_delivery_seconds_count 2$/m);
  });
});
