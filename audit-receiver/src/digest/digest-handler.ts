import { DEFAULT_SECRETS_DIR, loadArchiveConfig, parseInteger, type Env } from '../config.js';
import { EVENT_TYPES } from '../event-types.js';
import type { HttpResult } from '../handle-delivery.js';
import { logLine } from '../log.js';
import { openStorage } from '../storage/open-storage.js';
import { loadSigningKey } from './signing-key.js';
import { writeDigests } from './write-digests.js';

/**
 * The function in digest mode (MODE=digest): each invocation, normally by the OpenFaaS cron-connector,
 * brings the digest chains up to the last closed hour. Settings are read once, at start-up.
 */
export async function createDigestHandler(env: Env): Promise<() => Promise<HttpResult>> {
  const secretsDir = env.SECRETS_DIR?.trim() || DEFAULT_SECRETS_DIR;
  const privateKey = loadSigningKey(undefined, secretsDir);
  const storage = await openStorage(loadArchiveConfig(env));
  await storage.checkSettings?.();
  const graceMinutes = parseInteger('DIGEST_GRACE_MINUTES', env.DIGEST_GRACE_MINUTES, 10, 0, 1440);
  const lookbackDays = parseInteger('DIGEST_LOOKBACK_DAYS', env.DIGEST_LOOKBACK_DAYS, 2, 0, 36_500);
  logLine({ level: 'info', msg: 'digest job ready', archive: storage.description });
  let running: Promise<HttpResult> | undefined;
  return () => {
    // One run at a time: overlapping runs would both extend the chain from the same head.
    running ??= (async (): Promise<HttpResult> => {
      const started = Date.now();
      try {
        const written = await writeDigests({
          storage,
          eventTypes: [...EVENT_TYPES.values()],
          privateKey,
          graceMinutes,
          lookbackDays,
        });
        logLine({ level: 'info', msg: 'digests written', digests: written.length, ms: Date.now() - started });
        return { status: 200, headers: { 'Content-Type': 'application/json' }, body: { status: 'ok', written } };
      } catch (err) {
        logLine({ level: 'error', msg: 'digest job failed', detail: String((err as Error)?.stack ?? err) });
        return {
          status: 503,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '60' },
          body: { error: 'digest_failed', message: 'the digest job failed; see the log' },
        };
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
}
