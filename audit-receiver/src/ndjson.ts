/** The key added to every archived event. Documented in the README; events that already carry it are refused. */
export const RECEIPT_KEY = '_receipt';

/** What the receiver adds to each event: which delivery brought it and when it was received. */
export interface Receipt {
  /** X-Openfaas-Delivery as sent, or null when the header was absent. */
  delivery_id: string | null;
  /** When this receiver took the delivery, RFC 3339 UTC with milliseconds. */
  received_at: string;
}

/**
 * One NDJSON line: the event's own JSON text (an object, as sent) with the receipt appended as its last
 * member, and '\n'. The event's own members are not re-serialised, so their values are byte-for-byte
 * those of the delivery.
 */
export function toLine(eventText: string, receiptJson: string): string {
  const body = eventText.slice(0, -1); // drop the closing '}'
  const separator = eventText === '{}' ? '' : ',';
  return `${body}${separator}"${RECEIPT_KEY}":${receiptJson}}\n`;
}

export function receiptJson(receipt: Receipt): string {
  return JSON.stringify(receipt);
}
