import { performance } from 'node:perf_hooks';
import { ReceiverError, StorageError } from './errors.js';
import { DELIVERY_HEADER, EVENT_HEADER, EVENT_TYPES } from './event-types.js';
import { forLog, logLine, type Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { headerValue, type Delivery, type Receiver } from './receive-delivery.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> | string;
}

/** A request as the template gives it. */
export interface Request extends Delivery {
  path?: string;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
const METRICS_PATH = '/metrics';

/**
 * The HTTP face of the receiver, and the one place where errors become responses: GET /metrics for
 * Prometheus, everything else is a delivery. Writes one log line per delivery.
 */
export async function handleRequest(
  receiver: Receiver,
  metrics: Metrics,
  request: Request,
  log: Logger = logLine,
): Promise<HttpResult> {
  if (request.method === 'GET' && request.path === METRICS_PATH) {
    return { status: 200, headers: { 'Content-Type': 'text/plain; version=0.0.4' }, body: metrics.render() };
  }
  const started = performance.now();
  const eventType = headerValue(request.headers, EVENT_HEADER);
  const typeLabel = eventType !== undefined && EVENT_TYPES.has(eventType) ? eventType : 'unknown';
  const context = {
    delivery_id: forLog(headerValue(request.headers, DELIVERY_HEADER)),
    event_type: forLog(eventType, 64),
  };
  try {
    const done = await receiver.receive(request);
    const seconds = (performance.now() - started) / 1000;
    metrics.delivery(done.outcome, '', seconds);
    metrics.events(typeLabel, 'archived', done.archived);
    metrics.events(typeLabel, 'quarantined', done.quarantined);
    if (done.outcome === 'kept') metrics.events(typeLabel, 'kept', 1);
    log({
      level: done.quarantined > 0 || done.outcome === 'kept' ? 'warn' : 'info',
      msg: done.outcome === 'kept' ? 'unknown event type kept as sent' : 'delivery archived',
      ...context,
      outcome: done.outcome,
      status: 200,
      events: done.events,
      archived: done.archived,
      quarantined: done.quarantined,
      ...(done.problems.length > 0 ? { problems: done.problems.slice(0, 5) } : {}),
      objects: done.objects.length,
      signed_with: done.signedWith,
      ms: round(seconds * 1000),
    });
    return {
      status: 200,
      headers: JSON_TYPE,
      body: {
        status: done.outcome,
        delivery_id: done.deliveryId ?? null,
        event_type: done.eventType ?? null,
        events: done.events,
        archived: done.archived,
        quarantined: done.quarantined,
        ...(done.problems.length > 0 ? { problems: done.problems.slice(0, 20) } : {}),
        objects: done.objects,
      },
    };
  } catch (err) {
    const result = toHttpResult(err);
    const seconds = (performance.now() - started) / 1000;
    const reason = err instanceof ReceiverError ? err.reason : 'internal';
    metrics.delivery('refused', reason, seconds);
    log({
      level: result.status >= 500 ? 'error' : 'warn',
      msg: 'delivery refused',
      ...context,
      outcome: 'refused',
      status: result.status,
      reason,
      // The cause (e.g. the S3 error) is for operators only; the sender gets the message.
      detail: err instanceof ReceiverError ? err.message : String((err as Error)?.stack ?? err),
      ms: round(seconds * 1000),
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
    const message = err instanceof StorageError ? 'the archive is unavailable; retry later' : err.message;
    return { status: err.status, headers, body: { error: err.reason, message } };
  }
  return { status: 500, headers: JSON_TYPE, body: { error: 'internal', message: 'internal error' } };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
