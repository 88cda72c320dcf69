/** A CSV column: its header and how to read it from an archived event. */
interface Column {
  name: string;
  value: (event: Record<string, unknown>) => unknown;
}

const members = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const receipt = (event: Record<string, unknown>) => members(event._receipt);
const actor = (event: Record<string, unknown>) => members(event.actor);

/**
 * The CSV columns of each event type. Stable: columns are only ever added at the end. Nested `actor` is
 * flattened into actor_* columns; `actions` is joined with ';'. Members not listed here are in the
 * NDJSON export only.
 */
export const CSV_COLUMNS: Record<string, Column[]> = {
  api_access: [
    { name: 'time', value: (e) => e.time },
    { name: 'actor_sub', value: (e) => actor(e).sub },
    { name: 'actor_name', value: (e) => actor(e).name },
    { name: 'actor_issuer', value: (e) => actor(e).issuer },
    { name: 'actor_fed_issuer', value: (e) => actor(e).fed_issuer },
    { name: 'method', value: (e) => e.method },
    { name: 'path', value: (e) => e.path },
    { name: 'response_code', value: (e) => e.response_code },
    { name: 'actions', value: (e) => (Array.isArray(e.actions) ? e.actions.join(';') : e.actions) },
    { name: 'delivery_id', value: (e) => receipt(e).delivery_id },
    { name: 'received_at', value: (e) => receipt(e).received_at },
  ],
  function_usage: [
    { name: 'started', value: (e) => e.started },
    { name: 'namespace', value: (e) => e.namespace },
    { name: 'function_name', value: (e) => e.function_name },
    { name: 'duration_ns', value: (e) => e.duration },
    { name: 'memory_bytes', value: (e) => e.memory_bytes },
    { name: 'event', value: (e) => e.event },
    { name: 'delivery_id', value: (e) => receipt(e).delivery_id },
    { name: 'received_at', value: (e) => receipt(e).received_at },
  ],
};

export function csvHeader(eventType: string): string {
  return `${(CSV_COLUMNS[eventType] ?? []).map((c) => c.name).join(',')}\r\n`;
}

export function csvRow(eventType: string, event: Record<string, unknown>): string {
  return `${(CSV_COLUMNS[eventType] ?? []).map((c) => csvCell(c.value(event))).join(',')}\r\n`;
}

/**
 * One RFC 4180 cell. Text a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a
 * leading apostrophe: request paths come from whoever called the OpenFaaS API. Objects are written as JSON.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
