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
export function toLine(eventText: string, receiptJson: string, mayHoldLineBreakers = true): string {
  const text = mayHoldLineBreakers ? escapeLineBreakers(eventText) : eventText;
  const body = text.slice(0, -1); // drop the closing '}'
  const separator = text === '{}' ? '' : ',';
  return `${body}${separator}"${RECEIPT_KEY}":${receiptJson}}\n`;
}

/**
 * The NDJSON lines of many events with one receipt, written straight into one Buffer: the same bytes as
 * joining toLine() of each, without building each line and the joined text as strings first (for a
 * 1 MiB batch those strings were a quarter of the memory a delivery took). Texts are the events' own
 * JSON objects, already free of line breakers.
 */
export function eventLines(eventTexts: readonly string[], receiptJson: string): Buffer {
  const afterMembers = Buffer.from(`,"${RECEIPT_KEY}":${receiptJson}}\n`, 'utf8');
  const afterEmpty = afterMembers.subarray(1); // `{}` takes the receipt without a comma
  let size = 0;
  for (const text of eventTexts) {
    size += Buffer.byteLength(text, 'utf8') - 1 + (text === '{}' ? afterEmpty.length : afterMembers.length);
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const text of eventTexts) {
    // The text's closing '}' (one byte) is overwritten by the receipt, which ends with its own '}'.
    at += out.write(text, at, 'utf8') - 1;
    at += (text === '{}' ? afterEmpty : afterMembers).copy(out, at);
  }
  if (at !== size) throw new Error(`eventLines wrote ${at} of ${size} bytes`);
  return out;
}

/** The receipt as JSON in plain ASCII: header text can hold any byte, and none may split a line. */
export function receiptJson(receipt: Receipt): string {
  return JSON.stringify(receipt).replace(/[\u007f-\uffff]/g, unicodeEscape);
}

// U+0085, U+2028 and U+2029 are legal raw inside JSON strings, and JSON parsers read them and their \u
// escapes as the same value, but many line splitters (Python's splitlines, some log shippers) break lines
// on them. They can only occur inside strings, so writing them as escapes keeps every value and keeps
// each event on one line for every reader.
const LINE_BREAKERS = /[\u0085\u2028\u2029]/g;

export function escapeLineBreakers(json: string): string {
  LINE_BREAKERS.lastIndex = 0;
  return LINE_BREAKERS.test(json) ? json.replace(LINE_BREAKERS, unicodeEscape) : json;
}

function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
