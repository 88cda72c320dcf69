import { MalformedBodyError } from './errors.js';

/** A parsed batch: each event's value, and its exact JSON text as sent (insignificant white space removed). */
export interface ParsedBatch {
  values: unknown[];
  texts: string[];
  /** Per event: true when one of its objects repeats a member name. */
  duplicateNames: boolean[];
  /** Whether the body holds U+0085, U+2028 or U+2029 anywhere (one scan, so lines without them skip theirs). */
  lineBreakers: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the body as strict UTF-8, parses it, and splits the top-level array into each event's own JSON
 * text. The archive stores that text, not a re-serialisation of the parsed value, so every field keeps
 * exactly the value sent: 0.0 stays 0.0, integers beyond 2^53 keep every digit.
 */
export function parseBatch(body: Buffer): ParsedBatch {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (err) {
    throw new MalformedBodyError('body is not valid UTF-8', 'invalid_utf8');
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (err) {
    // V8's message quotes part of the body; say only where it broke.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new MalformedBodyError(`body is not valid JSON${at ? ` (near character ${at})` : ''}`, 'invalid_json');
  }
  if (!Array.isArray(values)) {
    throw new MalformedBodyError('body must be a JSON array of events', 'not_an_array');
  }
  const { texts, duplicateNames } = splitArray(text);
  if (texts.length !== values.length) {
    // Cannot happen for text JSON.parse accepted; guard so a scanner bug can never store a wrong line.
    throw new Error(`batch scanner found ${texts.length} elements where JSON.parse found ${values.length}`);
  }
  return { values, texts, duplicateNames, lineBreakers: /[\u0085\u2028\u2029]/.test(text) };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function escapedQuote(text: string, quote: number): boolean {
  let backslashes = 0;
  for (let k = quote - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
  return backslashes % 2 === 1;
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Each top-level element's text, and whether that element repeats a member name in any of its objects. */
export interface SplitArray {
  texts: string[];
  duplicateNames: boolean[];
}

/**
 * The text of each element of a top-level JSON array, with the white space between tokens removed
 * (white space inside strings is part of the value and kept). Only for text JSON.parse has accepted:
 * it tracks strings and nesting, not grammar. Without the white space between tokens an element holds no
 * line break (JSON strings cannot hold a raw one), so each element is exactly one NDJSON line.
 *
 * It also notes elements with a repeated member name in any object: JSON.parse keeps the last value,
 * so such an event would be validated on one value and stored with both.
 */
export function splitArray(text: string): SplitArray {
  const n = text.length;
  const texts: string[] = [];
  const duplicateNames: boolean[] = [];
  let i = 0;
  while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== OPEN_BRACKET) return { texts, duplicateNames };
  i++;
  // One entry per open container inside the top-level array: the member names seen so far for an
  // object, null for an array.
  // Arrays while small (events' objects have a handful of members, and a linear search beats hashing),
  // a Set past 32 names so an object with very many members stays linear time.
  const open: (string[] | Set<string> | null)[] = [];
  let expectName = false;
  let duplicate = false;
  let parts: string[] = [];
  let segmentStart = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      if (segmentStart < 0) segmentStart = i;
      // Jump to the closing quote: the next '"' not escaped by an odd run of backslashes.
      i = text.indexOf('"', i + 1);
      while (i > 0 && escapedQuote(text, i)) i = text.indexOf('"', i + 1);
      if (i < 0) i = n;
      if (expectName) {
        const names = open[open.length - 1] as string[] | Set<string>;
        const raw = text.slice(start + 1, i);
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (Array.isArray(names)) {
          if (names.includes(name)) duplicate = true;
          else if (names.push(name) > 32) open[open.length - 1] = new Set(names);
        } else if (names.has(name)) duplicate = true;
        else names.add(name);
        expectName = false;
      }
      continue;
    }
    if (isJsonSpace(c)) {
      if (segmentStart >= 0) {
        parts.push(text.slice(segmentStart, i));
        segmentStart = -1;
      }
      continue;
    }
    if (open.length === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
      if (segmentStart >= 0) {
        parts.push(text.slice(segmentStart, i));
        segmentStart = -1;
      }
      if (parts.length > 0) {
        texts.push(parts.length === 1 ? (parts[0] as string) : parts.join(''));
        duplicateNames.push(duplicate);
        parts = [];
        duplicate = false;
      }
      if (c === CLOSE_BRACKET) break;
      continue;
    }
    if (c === OPEN_BRACE) {
      open.push([]);
      expectName = true;
    } else if (c === OPEN_BRACKET) {
      open.push(null);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      open.pop();
      expectName = false;
    } else if (c === COMMA) {
      expectName = open[open.length - 1] != null;
    }
    if (segmentStart < 0) segmentStart = i;
  }
  return { texts, duplicateNames };
}
