// A new function on this template. Replace with your own; keep the signature.
interface FunctionEvent {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  method: string;
  query: Record<string, string>;
  path: string;
}

interface FunctionContext {
  status(code: number): FunctionContext;
  headers(values: Record<string, string>): FunctionContext;
}

export default async function handle(event: FunctionEvent, context: FunctionContext): Promise<unknown> {
  context.status(200);
  return { method: event.method, path: event.path };
}
