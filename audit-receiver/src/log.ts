/** One JSON object per line on stdout, which OpenFaaS collects as the function's log. */
export type LogFields = Record<string, unknown>;
export type Logger = (fields: LogFields) => void;

export const logLine: Logger = (fields) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
};

/** Untrusted header text for a log line: bounded in length (JSON encoding takes care of control characters). */
export function forLog(value: string | undefined, max = 200): string | undefined {
  if (value === undefined) return undefined;
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
