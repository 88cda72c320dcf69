import { performance } from 'node:perf_hooks';
import { ReceiverError, StorageError, ValidationError } from './errors.js';
import { DELIVERY_HEADER, EVENT_HEADER } from './event-types.js';
import { forLog, logLine, type Logger } from './log.js';
import { headerValue, type Delivery, type Receiver } from './receive-delivery.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

/**
 * Runs one delivery through the receiver and turns the outcome into the HTTP answer: the one place
 * where errors become responses. Writes one log line per delivery.
 */
export async function handleDelivery(
  receiver: Receiver,
  delivery: Delivery,
  log: Logger = logLine,
): Promise<HttpResult> {
  const started = performance.now();
  const context = {
    delivery_id: forLog(headerValue(delivery.headers, DELIVERY_HEADER)),
    event_type: forLog(headerValue(delivery.headers, EVENT_HEADER), 64),
  };
  try {
    const archived = await receiver.receive(delivery);
    log({
      level: 'info',
      msg: 'delivery archived',
      ...context,
      outcome: 'archived',
      status: 200,
      events: archived.events,
      objects: archived.objects.length,
      signed_with: archived.signedWith,
      ms: elapsed(started),
    });
    return {
      status: 200,
      headers: JSON_TYPE,
      body: {
        status: 'archived',
        delivery_id: archived.deliveryId ?? null,
        event_type: archived.eventType,
        events: archived.events,
        objects: archived.objects,
      },
    };
  } catch (err) {
    const result = toHttpResult(err);
    log({
      level: result.status >= 500 ? 'error' : 'warn',
      msg: 'delivery refused',
      ...context,
      outcome: 'refused',
      status: result.status,
      reason: result.body.error,
      // The cause (e.g. the S3 error) is for operators only; the sender gets the message.
      detail: err instanceof ReceiverError ? err.message : String((err as Error)?.stack ?? err),
      ms: elapsed(started),
    });
    return result;
  }
}

/** Maps any thrown value to an HTTP answer. Messages never carry the secret or the body. */
export function toHttpResult(err: unknown): HttpResult {
  if (err instanceof ReceiverError) {
    const headers: Record<string, string> = { ...JSON_TYPE };
    if (err.status === 405) headers.Allow = 'POST';
    if (err instanceof StorageError) headers['Retry-After'] = String(err.retryAfterSeconds);
    const body: Record<string, unknown> = {
      error: err.reason,
      message: err instanceof StorageError ? 'the archive is unavailable; retry later' : err.message,
    };
    if (err instanceof ValidationError) body.problems = err.problems.slice(0, 20);
    return { status: err.status, headers, body };
  }
  return { status: 500, headers: JSON_TYPE, body: { error: 'internal', message: 'internal error' } };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
