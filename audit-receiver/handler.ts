import { createReceiver } from './src/create-receiver.js';
import type { FunctionContext, FunctionEvent } from './src/faas-types.js';
import { ConfigError } from './src/errors.js';
import { handleRequest, type HttpResult } from './src/handle-delivery.js';

// Configuration is read once, when the template loads this module; a bad setting stops the function
// before it takes traffic, with a message that names the setting. MODE=digest makes this deployment the
// scheduled digest job instead of the receiver (see stack.yml).
const mode = process.env.MODE?.trim() || 'receive';
if (mode !== 'receive' && mode !== 'digest') throw new ConfigError('MODE', `"${mode}" is not receive or digest`);
const handle: (event: FunctionEvent) => Promise<HttpResult> =
  mode === 'digest'
    ? // The digest job's code (Ed25519 signing, listing, reading) is loaded only in that mode.
      await (await import('./src/digest/digest-handler.js')).createDigestHandler(process.env)
    : await (async () => {
        const { receiver, metrics } = await createReceiver(process.env);
        return (event: FunctionEvent) => handleRequest(receiver, metrics, event);
      })();

export default async function handler(event: FunctionEvent, context: FunctionContext): Promise<unknown> {
  const result = await handle(event);
  context.status(result.status).headers(result.headers);
  return result.body;
}
