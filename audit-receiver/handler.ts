import { createReceiver } from './src/create-receiver.js';
import type { FunctionContext, FunctionEvent } from './src/faas-types.js';
import { handleRequest } from './src/handle-delivery.js';

// Configuration is read once, when the template loads this module; a bad setting stops the function
// before it takes traffic, with a message that names the setting.
const { receiver, metrics } = await createReceiver(process.env);

export default async function handle(event: FunctionEvent, context: FunctionContext): Promise<unknown> {
  const result = await handleRequest(receiver, metrics, event);
  context.status(result.status).headers(result.headers);
  return result.body;
}
