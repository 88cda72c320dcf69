import { Receiver } from '../../audit-receiver/src/receive-delivery.js';
import type { ArchiveStorage } from '../../audit-receiver/src/storage/storage.js';
import { signBody } from '../../audit-receiver/src/verify-signature.js';

export const SEED_SECRET = 'seed-secret';

export interface SeededEvent {
  event: Record<string, unknown>;
  /** Nanoseconds since the epoch, worked out here independently of the code under test. */
  ns: bigint;
  deliveryId: string;
}

/** Nanoseconds since the epoch of an RFC 3339 time (offsets and any fraction length). */
export function nanosOf(time: string): bigint {
  const m = /^(.{19})(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) throw new Error(`not a time: ${time}`);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}

/**
 * Archives a fixed, varied set of api_access events (three UTC days, deliveries whose events interleave
 * in time across objects, several actors, actions, methods and statuses, offsets and nanoseconds) and
 * a function_usage batch, through the receiver's own core.
 */
export async function seedArchive(storage: ArchiveStorage, deliveries = 24): Promise<SeededEvent[]> {
  const receiver = new Receiver(
    [{ label: 'seed', key: Buffer.from(SEED_SECRET) }],
    storage,
    () => new Date('2026-12-03T12:00:00.000Z'),
  );
  let state = 12345;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return Math.floor(state / 65536) % n; // the high bits: an LCG's low bits repeat quickly
  };
  const actors = [{ sub: 'alice', name: 'Alice' }, { sub: 'bob' }, { sub: 'carol', issuer: 'https://gw' }, undefined];
  const actions = [['Function:Create'], ['Namespace:List'], ['Function:Delete', 'Secret:Read'], []];
  const methods = ['POST', 'GET', 'DELETE', 'PUT'];
  const statuses = [200, 202, 401, 403, 404, 500, 503];
  const zones = ['Z', '+02:00', '-05:00'];
  const seeded: SeededEvent[] = [];
  for (let d = 0; d < deliveries; d++) {
    const deliveryId = `seed-${d}`;
    const batch = Array.from({ length: 5 }, (_, j) => {
      // Times spread over 2026-11-30..2026-12-02 UTC, unique to the nanosecond.
      const ns = Date.UTC(2026, 10, 30, 1) + random(3 * 24 - 2) * 3_600_000 + random(3_600_000);
      const zone = zones[random(zones.length)] as string;
      const shift = zone === 'Z' ? 0 : (zone.startsWith('+') ? 1 : -1) * Number(zone.slice(1, 3)) * 3_600_000;
      const local = new Date(ns + shift).toISOString().slice(0, 19);
      const time = `${local}.${String(d * 10 + j).padStart(9, '0')}${zone}`;
      const actor = actors[random(actors.length)];
      return {
        ...(actor ? { actor } : {}),
        path: `/seed/${d}/${j}`,
        method: methods[random(methods.length)],
        actions: actions[random(actions.length)],
        response_code: statuses[random(statuses.length)],
        time,
      };
    });
    const body = Buffer.from(JSON.stringify(batch));
    const headers = {
      'x-openfaas-event': 'api_access',
      'x-openfaas-delivery': deliveryId,
      'x-openfaas-signature-256': signBody(body, SEED_SECRET),
    };
    const result = await receiver.receive({ method: 'POST', headers, body });
    if (result.archived !== batch.length) throw new Error(`seed delivery ${d} was not fully archived`);
    for (const event of batch) seeded.push({ event, ns: nanosOf(event.time), deliveryId });
  }
  const usage = Buffer.from(
    JSON.stringify([
      {
        event: 'function_usage',
        namespace: 'openfaas-fn',
        function_name: 'b',
        started: '2026-12-01T10:00:02Z',
        duration: 5,
        memory_bytes: 1,
      },
      {
        event: 'function_usage',
        namespace: 'openfaas-fn',
        function_name: 'a',
        started: '2026-12-01T10:00:01Z',
        duration: 7,
        memory_bytes: 2,
      },
    ]),
  );
  await receiver.receive({
    method: 'POST',
    headers: { 'x-openfaas-event': 'function_usage', 'x-openfaas-signature-256': signBody(usage, SEED_SECRET) },
    body: usage,
  });
  return seeded;
}
