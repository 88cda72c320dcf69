// RFC 3339 as the archive stores it: any fraction length, any offset.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * A string that sorts like the instant an RFC 3339 time names, to the nanosecond:
 * `YYYY-MM-DDTHH:MM:SS.Lfffffffff` in UTC, where L is 1 for a leap second (23:59:60, kept as :59) and 0 otherwise. Offsets are applied at second precision through Date, and the
 * fraction is carried over as digits (Date would round it to milliseconds). Undefined when not a time.
 */
export function timeSortKey(time: string): string | undefined {
  const m = RFC3339.exec(time);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zone] = m as unknown as string[];
  const digits = fraction.padEnd(9, '0').slice(0, 9);
  let second = Number(s);
  const leap = second === 60;
  if (leap) second = 59;
  let date = `${y}-${mo}-${d}T${h}:${mi}:${pad(second)}`;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    const offset = sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
    const local = new Date(0);
    local.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
    local.setUTCHours(Number(h), Number(mi), second, 0);
    date = new Date(local.getTime() - offset * 60_000).toISOString().slice(0, 19);
  }
  // A leap second sorts after every instant of the second before it.
  return `${date}.${leap ? '1' : '0'}${digits}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
