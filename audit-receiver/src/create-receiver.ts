import { loadConfig, loadKeys, type Env } from './config.js';
import { logLine } from './log.js';
import { Metrics } from './metrics.js';
import { Receiver } from './receive-delivery.js';
import { openStorage } from './storage/open-storage.js';

/** Reads and checks every setting, then builds the receiver. Throws ConfigError naming a bad setting. */
export async function createReceiver(env: Env): Promise<{ receiver: Receiver; metrics: Metrics }> {
  const config = loadConfig(env);
  const keys = loadKeys(config);
  const storage = await openStorage(config.archive);
  await storage.checkSettings?.();
  logLine({
    level: 'info',
    msg: 'receiver ready',
    archive: storage.description,
    secrets: [...new Set(keys.map((k) => k.label.replace(/ \(trimmed\)$/, '')))],
  });
  return { receiver: new Receiver(keys, storage), metrics: new Metrics() };
}
