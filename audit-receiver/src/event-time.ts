/** A calendar day in UTC, the unit of partitioning. */
export interface UtcDay {
  year: number;
  month: number;
  day: number;
}

// RFC 3339 date-time. The fraction may have any number of digits (OpenFaaS sends nanoseconds); it never
// changes the day, so it is matched and ignored rather than rounded through Date (which keeps only
// milliseconds and could round 23:59:59.9999999Z into the next day).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The fields of a text in RFC3339's shape (not yet checked against the calendar). */
function fieldsOf(text: string) {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, zone] = m as unknown as [string, string, string, string, string, string, string, string];
  const utc = zone === 'Z' || zone === 'z';
  return {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    sign: zone.startsWith('-') ? -1 : 1,
    offsetHours: utc ? 0 : Number(zone.slice(1, 3)),
    offsetMinutes: utc ? 0 : Number(zone.slice(4, 6)),
  };
}

/**
 * Whether the text is an RFC 3339 date-time: the schemas' `date-time` format. The same rules as
 * ajv-formats' date-time (real calendar days, hours, minutes and offsets, 23:59:60 only as a UTC leap
 * second) within RFC3339 above (a 'T', 't' or space between date and time, an offset with its colon),
 * in one regular expression; ajv-formats took three and a split, and a seventh of the receiver's CPU.
 */
export function isDateTime(text: string): boolean {
  const t = fieldsOf(text);
  if (!t || t.month < 1 || t.month > 12 || t.day < 1) return false;
  if (t.day > (t.month === 2 && isLeapYear(t.year) ? 29 : (DAYS_IN_MONTH[t.month] as number))) return false;
  if (t.offsetHours > 23 || t.offsetMinutes > 59) return false;
  if (t.hour <= 23 && t.minute <= 59 && t.second <= 59) return true;
  // Only a leap second may be :60, and only at 23:59 UTC.
  const utcMinute = t.minute - t.offsetMinutes * t.sign;
  const utcHour = t.hour - t.offsetHours * t.sign - (utcMinute < 0 ? 1 : 0);
  return (utcHour === 23 || utcHour === -1) && (utcMinute === 59 || utcMinute === -1) && t.second === 60;
}

/** The formats the event schemas use, by name, for ajv (at build time and in the generated validators). */
export const schemaFormats = { 'date-time': isDateTime };

/**
 * The UTC day an RFC 3339 time falls on, or undefined when the text is not such a time or its UTC day is
 * outside the years 0000-9999. A leap second (23:59:60) belongs to the day it ends.
 */
export function utcDayOf(time: string): UtcDay | undefined {
  const t = fieldsOf(time);
  if (!t) return undefined;
  if (t.offsetHours === 0 && t.offsetMinutes === 0) return { year: t.year, month: t.month, day: t.day };
  const local = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  local.setUTCFullYear(t.year, t.month - 1, t.day);
  local.setUTCHours(t.hour, t.minute, Math.min(t.second, 59), 0);
  const utc = new Date(local.getTime() - t.sign * (t.offsetHours * 60 + t.offsetMinutes) * 60_000);
  // An offset can carry 0000-01-01 or 9999-12-31 outside the four-digit years a partition can name.
  if (utc.getUTCFullYear() < 0 || utc.getUTCFullYear() > 9999) return undefined;
  return { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() };
}

/** The UTC day an instant falls on. */
export function utcDayOfInstant(instant: Date | number): UtcDay {
  const d = new Date(instant);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function formatDay({ year, month, day }: UtcDay): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
