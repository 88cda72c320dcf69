// The node20 template's handler contract (template/node20/index.js). Written here because no published
// package carries these types.

export interface FunctionEvent {
  /** With RAW_BODY=true, the exact request bytes (an empty Buffer for an empty body). */
  body: unknown;
  /** Lower-case header names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  method: string;
  query: Record<string, string>;
  path: string;
}

export interface FunctionContext {
  status(code: number): FunctionContext;
  status(): number;
  headers(values: Record<string, string>): FunctionContext;
  headers(): Record<string, string>;
  succeed(value: unknown): void;
  fail(error: unknown): void;
}

export type FunctionHandler = (event: FunctionEvent, context: FunctionContext) => Promise<unknown>;
