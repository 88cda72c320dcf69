import { createHash } from 'node:crypto';
import {
  MethodNotAllowedError,
  MisconfiguredError,
  StorageError,
  UnsupportedEventError,
  ValidationError,
} from './errors.js';
import { utcDayOf } from './event-time.js';
import { DELIVERY_HEADER, EVENT_HEADER, EVENT_TYPES } from './event-types.js';
import { receiptJson, toLine } from './ndjson.js';
import { objectName, partitionPrefix } from './object-key.js';
import { parseBatch } from './parse-batch.js';
import type { ArchiveStorage } from './storage/storage.js';
import { validateEvents } from './validate-events.js';
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
  eventType: string;
  events: number;
  /** Keys written, relative to the archive's prefix. */
  objects: string[];
  /** Which secret verified the signature, so operators can tell when an old one is no longer used. */
  signedWith: string;
}

/**
 * The receiver's one job: prove a delivery genuine, check it, and archive its events, returning only
 * after every object is stored. Throws a ReceiverError subclass for each way a delivery can fail.
 */
export class Receiver {
  constructor(
    private readonly keys: readonly SigningKey[],
    private readonly storage: ArchiveStorage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get storageDescription(): string {
    return this.storage.description;
  }

  async receive(delivery: Delivery): Promise<ArchivedDelivery> {
    if (delivery.method !== 'POST') throw new MethodNotAllowedError(delivery.method);
    const body = delivery.body;
    if (!Buffer.isBuffer(body)) {
      throw new MisconfiguredError('the body did not arrive as raw bytes: set RAW_BODY=true for this function');
    }
    // Authenticity first, on the bytes as sent: nothing about the body is read before this passes.
    const signedWith = verifySignature(body, delivery.headers[SIGNATURE_HEADER], this.keys);

    const typeName = headerValue(delivery.headers, EVENT_HEADER);
    const type = typeName === undefined ? undefined : EVENT_TYPES.get(typeName);
    if (!type) {
      throw new UnsupportedEventError(
        typeName === undefined
          ? 'missing X-Openfaas-Event header'
          : `X-Openfaas-Event must be one of ${[...EVENT_TYPES.keys()].join(', ')}`,
      );
    }
    const deliveryId = headerValue(delivery.headers, DELIVERY_HEADER);

    const batch = parseBatch(body);
    validateEvents(type, batch.values);

    const receipt = receiptJson({ delivery_id: deliveryId ?? null, received_at: this.now().toISOString() });
    const name = objectName(deliveryId, createHash('sha256').update(body).digest('hex'));
    const objects = new Map<string, string[]>();
    batch.values.forEach((value, index) => {
      const time = (value as Record<string, unknown>)[type.timeField];
      const day = typeof time === 'string' ? utcDayOf(time) : undefined;
      if (!day) {
        throw new ValidationError([{ index, pointer: `/${type.timeField}`, message: 'must be an RFC 3339 date-time' }]);
      }
      const key = partitionPrefix('', type.name, day) + name;
      const lines = objects.get(key) ?? [];
      lines.push(toLine(batch.texts[index] as string, receipt));
      objects.set(key, lines);
    });

    try {
      await Promise.all([...objects].map(([key, lines]) => this.storage.put(key, Buffer.from(lines.join(''), 'utf8'))));
    } catch (err) {
      throw new StorageError(`archive write failed: ${describeError(err)}`, { cause: err });
    }
    return {
      deliveryId,
      eventType: type.name,
      events: batch.values.length,
      objects: [...objects.keys()],
      signedWith: signedWith.label,
    };
  }
}

/** A header's value when sent once; Node joins repeated custom headers with ', '. */
export function headerValue(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(', ');
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (err as NodeJS.ErrnoException).code;
  return [err.name, status ? `HTTP ${status}` : '', code ?? '', err.message].filter(Boolean).join(': ');
}
