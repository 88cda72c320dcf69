import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { handleDelivery } from '../src/handle-delivery.js';
import { Receiver } from '../src/receive-delivery.js';
import { FileStorage } from '../src/storage/file-storage.js';
import type { ArchiveStorage, StoredObject } from '../src/storage/storage.js';
import { ndjsonLines, signedDelivery, withHeader } from './helpers/signed-delivery.js';

const SECRET = 'test-secret';
const keys = [{ label: 'webhook-secret', key: Buffer.from(SECRET) }];
const now = () => new Date('2026-12-03T10:00:00.000Z');

function setup(storage?: ArchiveStorage) {
  const store = storage ?? new FileStorage(mkdtempSync(join(tmpdir(), 'archive-')));
  const logs: Record<string, unknown>[] = [];
  const receiver = new Receiver(keys, store, now);
  return {
    store,
    logs,
    send: (delivery: Parameters<Receiver['receive']>[0]) => handleDelivery(receiver, delivery, (l) => logs.push(l)),
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
    const result = await send(delivery);
    assert.equal(result.status, 200);
    assert.equal(result.body.events, 3);
    const keys = await keysIn(store);
    assert.equal(keys.length, 2);
    assert.match(keys[0] ?? '', /^api_access\/year=2026\/month=11\/day=30\/d-1\.[0-9a-f]{16}\.ndjson$/);
    assert.match(keys[1] ?? '', /^api_access\/year=2026\/month=12\/day=01\/d-1\.[0-9a-f]{16}\.ndjson$/);
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

  it('answers 400 for a signed body that is not JSON, and 422 naming the event for a schema failure', async () => {
    const { store, send } = setup();
    assert.equal((await send(signedDelivery({ secret: SECRET, body: '[{"path":' }))).status, 400);
    const bad = await send(signedDelivery({ body: [{ path: '/', method: 'GET', response_code: 200, time: 'now' }] }));
    assert.equal(bad.status, 422);
    assert.match(String(bad.body.message), /event 0 \/time: must match format "date-time"/);
    assert.deepEqual(await keysIn(store), []);
  });

  it('answers 400 for a missing or unknown X-Openfaas-Event', async () => {
    const { send } = setup();
    assert.equal((await send(withHeader(signedDelivery(), 'x-openfaas-event', undefined))).status, 400);
    assert.equal((await send(withHeader(signedDelivery(), 'x-openfaas-event', 'surprise'))).status, 400);
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
    const { fixture } = await import('./helpers/signed-delivery.js');
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
