import { ndjsonLines } from '../../audit-receiver/test/helpers/signed-delivery.js';

/**
 * Batches whose events each carry a unique marker in `path`, so a test can count every event in the
 * archive. Event j of batch i is timed on one of two days, so batches span partitions.
 */
export function markedBatch(run: string, i: number, events = 2): Record<string, unknown>[] {
  return Array.from({ length: events }, (_, j) => ({
    actor: { sub: `user-${i}` },
    path: `/drill/${run}/${i}/${j}`,
    method: 'POST',
    actions: ['Function:Create'],
    response_code: 202,
    time:
      j % 2 === 0 ? `2026-11-30T23:59:${String(i % 60).padStart(2, '0')}.123456789Z` : `2026-12-01T00:00:0${j % 10}.5Z`,
  }));
}

/** Every marker found in the event partitions of an archive's objects (key → NDJSON text), with repeats. */
export function markersIn(objects: Map<string, string>, run: string): string[] {
  const found: string[] = [];
  for (const [key, text] of objects) {
    if (!key.startsWith('api_access/')) continue;
    for (const line of ndjsonLines(text)) {
      if (typeof line.path === 'string' && line.path.startsWith(`/drill/${run}/`)) found.push(line.path);
    }
  }
  return found;
}

/** Markers that appear more than once. */
export function repeated(markers: string[]): string[] {
  const seen = new Set<string>();
  return markers.filter((m) => (seen.has(m) ? true : (seen.add(m), false)));
}
