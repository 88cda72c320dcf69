// A measuring stick for P1, not a receiver: a handler on the same template server that stores the body it
// is sent with the receiver's own storage driver and does nothing else (no signature check, no parsing).
// Its latency is the floor for anything that archives behind an HTTP hop.
import { loadArchiveConfig } from '../audit-receiver/src/config.js';
import { openStorage } from '../audit-receiver/src/storage/open-storage.js';

const storage = await openStorage(loadArchiveConfig(process.env));
let written = 0;

export default async function handler(event: { body: Buffer }) {
  await storage.put(`pass-through/${written++}.ndjson`, event.body);
  return { stored: event.body.length };
}
