import { apiAccessEvent, functionUsageEvent } from './event-schemas.js';

/** An event type the receiver archives: its schema and the member whose time partitions it. */
export interface EventType {
  name: string;
  schema: object;
  timeField: string;
}

export const EVENT_TYPES: ReadonlyMap<string, EventType> = new Map(
  [
    { name: 'api_access', schema: apiAccessEvent, timeField: 'time' },
    { name: 'function_usage', schema: functionUsageEvent, timeField: 'started' },
  ].map((t) => [t.name, t]),
);

export const EVENT_HEADER = 'x-openfaas-event';
export const DELIVERY_HEADER = 'x-openfaas-delivery';
