import {
  describeError,
  MalformedBodyError,
  MethodNotAllowedError,
  MisconfiguredError,
  StorageError,
  type EventProblem,
} from './errors.js';
import { utcDayOfInstant, type UtcDay } from './event-time.js';
import type { EventType } from './event-types.js';
import { DELIVERY_HEADER, EVENT_HEADER, EVENT_TYPES } from './event-types.js';
import { escapeLineBreakers, eventLines, receiptJson, RECEIPT_KEY } from './ndjson.js';
import {
  eventTypeSegment,
  objectName,
  partitionPrefix,
  QUARANTINE_PREFIX,
  sha256Hex,
  UNKNOWN_PREFIX,
} from './object-key.js';
import { parseBatch, type ParsedBatch } from './parse-batch.js';
import type { ArchiveStorage } from './storage/storage.js';
import { checkEvents } from './validate-events.js';
import { SIGNATURE_HEADER, verifySignature, type SigningKey } from './verify-signature.js';

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** What the HTTP layer hands over: headers with lower-case names, and the body as the exact bytes sent. */
export interface Delivery {
  method: string;
  headers: Headers;
  body: unknown;
}

export interface ArchivedDelivery {
  deliveryId: string | undefined;
  /** The X-Openfaas-Event value (undefined when absent). */
  eventType: string | undefined;
  /** 'archived': a known event type; 'kept': an unknown type, its body kept as sent under _unknown/. */
  outcome: 'archived' | 'kept';
  events: number;
  archived: number;
  quarantined: number;
  /** Why each quarantined event was refused. */
  problems: EventProblem[];
  /** Keys written, relative to the archive's prefix. */
  objects: string[];
  /** Which secret verified the signature, so operators can tell when an old one is no longer used. */
  signedWith: string;
}

/**
 * The receiver's one job: prove a delivery genuine, check it, and keep everything authentic, returning
 * only after every object is stored. Valid events go to their event type's day partitions; events that
 * fail their schema go to `_quarantine/` with the reason; a body of an unknown event type is kept as sent
 * under `_unknown/`; an authentic body that is not a JSON array is kept under `_quarantine/` and still
 * answered 400. Nothing authentic is dropped and nothing unverified is stored.
 */
export class Receiver {
  constructor(
    private readonly keys: readonly SigningKey[],
    private readonly storage: ArchiveStorage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async receive(delivery: Delivery): Promise<ArchivedDelivery> {
    if (delivery.method !== 'POST') throw new MethodNotAllowedError(delivery.method);
    const body = delivery.body;
    if (!Buffer.isBuffer(body)) {
      throw new MisconfiguredError('the body did not arrive as raw bytes: set RAW_BODY=true for this function');
    }
    // Authenticity first, on the bytes as sent: nothing about the body is read before this passes.
    const signedWith = verifySignature(body, delivery.headers[SIGNATURE_HEADER], this.keys).label;

    const deliveryId = headerValue(delivery.headers, DELIVERY_HEADER);
    const eventType = headerValue(delivery.headers, EVENT_HEADER);
    const received = this.now();
    const receivedDay = utcDayOfInstant(received);
    const digest = sha256Hex(body);
    const summary = { deliveryId, eventType, signedWith, events: 0, archived: 0, quarantined: 0, problems: [] };

    const type = eventType === undefined ? undefined : EVENT_TYPES.get(eventType);
    if (!type) {
      // Authentic, but of a type this receiver does not know (a newer OpenFaaS?): keep it as sent.
      const key = partitionPrefix(UNKNOWN_PREFIX, eventTypeSegment(eventType), receivedDay) + objectName(digest, 'raw');
      await this.write(new Map([[key, body]]));
      return { ...summary, outcome: 'kept', objects: [key] };
    }

    let batch: ParsedBatch | undefined;
    try {
      batch = parseBatch(body);
    } catch (err) {
      if (!(err instanceof MalformedBodyError)) throw err;
      // Authentic but unreadable: kept as sent for inspection, and the sender is still told it is wrong.
      const key = partitionPrefix(QUARANTINE_PREFIX, type.name, receivedDay) + objectName(digest, 'raw');
      await this.write(new Map([[key, body]]));
      throw new MalformedBodyError(`${err.message}; the body was kept in quarantine`, err.reason);
    }

    const receipt = receiptJson({ delivery_id: deliveryId ?? null, received_at: received.toISOString() });
    const prepared = prepareObjects(type, batch, receipt, objectName(digest), receivedDay);
    // Only the object bytes live on while the writes are in flight; the parsed batch is garbage now.
    batch = undefined;
    await this.write(prepared.objects);
    return {
      ...summary,
      outcome: 'archived',
      events: prepared.events,
      archived: prepared.events - prepared.problems.length,
      quarantined: prepared.problems.length,
      problems: prepared.problems,
      objects: [...prepared.objects.keys()],
    };
  }

  /** Writes every object; any failure makes the whole delivery retryable (a retry rewrites the same keys). */
  private async write(objects: Map<string, Buffer>): Promise<void> {
    try {
      await Promise.all([...objects].map(([key, bytes]) => this.storage.put(key, bytes)));
    } catch (err) {
      throw new StorageError(`archive write failed: ${describeError(err)}`, { cause: err });
    }
  }
}

/**
 * The objects for a parsed batch: valid events in their day partitions, the rest in the quarantine
 * partition of the receipt day. Synchronous, so every intermediate string is garbage when it returns.
 */
function prepareObjects(type: EventType, batch: ParsedBatch, receipt: string, name: string, receivedDay: UtcDay) {
  // Per UTC day (by day number, so a key is built once per batch, not per event), its partition key and
  // the texts of its valid events; quarantined events get whole lines.
  const days = new Map<number, { key: string; texts: string[] }>();
  const quarantined: string[] = [];
  const quarantineKey = partitionPrefix(QUARANTINE_PREFIX, type.name, receivedDay) + name;
  const problems: EventProblem[] = [];
  checkEvents(type, batch.values, batch.duplicateNames).forEach((check, index) => {
    const text = batch.texts[index] as string;
    if (check.ok) {
      const dayNumber = check.day.year * 10_000 + check.day.month * 100 + check.day.day;
      let day = days.get(dayNumber);
      if (day === undefined) {
        day = { key: partitionPrefix('', type.name, check.day) + name, texts: [] };
        days.set(dayNumber, day);
      }
      day.texts.push(batch.lineBreakers ? escapeLineBreakers(text) : text);
    } else {
      problems.push(check.problem);
      quarantined.push(quarantineLine(check.problem, text, receipt));
    }
  });
  const objects = new Map([...days.values()].map(({ key, texts }) => [key, eventLines(texts, receipt)]));
  if (quarantined.length > 0) objects.set(quarantineKey, Buffer.from(quarantined.join(''), 'utf8'));
  return { objects, problems, events: batch.values.length };
}

/** A quarantined event: where and why it failed, and its own text as sent, embedded as JSON. */
function quarantineLine(problem: EventProblem, eventText: string, receipt: string): string {
  return `{"index":${problem.index},"pointer":${JSON.stringify(problem.pointer)},"reason":${JSON.stringify(problem.message)},"event":${escapeLineBreakers(eventText)},"${RECEIPT_KEY}":${receipt}}\n`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header's value when sent once (Node joins repeated custom headers with ', '). Node reads header
 * bytes as latin1; a value that is valid UTF-8 is decoded as such, so `délivery` stays `délivery`.
 */
export function headerValue(headers: Headers, name: string): string | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' ? raw : raw.join(', ');
  if (!/[\u0080-\u00ff]/.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}
