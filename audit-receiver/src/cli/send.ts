import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { signBody } from '../verify-signature.js';
import { sampleBatch } from './sample-batches.js';
import { UsageError } from './usage-error.js';

export const SEND_HELP = `Usage: audit-archive send --url URL --secret-file FILE [--event TYPE] [--delivery ID] [FILE.json]

Signs a batch with the webhook secret exactly as OpenFaaS does (X-Openfaas-Signature-256: sha256=<hex
HMAC-SHA256 of the body>) and POSTs it with X-Openfaas-Event and X-Openfaas-Delivery. Without FILE.json
it sends a built-in sample batch stamped with the current time. Prints the HTTP status and the answer.

  --url URL           the receiver, e.g. http://127.0.0.1:8080 or https://gw.example.com/function/audit-receiver
  --secret-file FILE  the webhook secret (a trailing newline is ignored)
  --event TYPE        X-Openfaas-Event: api_access (default) or function_usage
  --delivery ID       X-Openfaas-Delivery (default: a new random UUID)

Exit status: 0 when the receiver answered 2xx, 1 for any other answer or no answer, 2 for bad usage.`;

export async function send(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'secret-file': { type: 'string' },
      event: { type: 'string', default: 'api_access' },
      delivery: { type: 'string' },
    },
  });
  if (!values.url) throw new UsageError('--url is required', SEND_HELP);
  if (!values['secret-file']) throw new UsageError('--secret-file is required', SEND_HELP);
  if (positionals.length > 1) throw new UsageError('give at most one batch file', SEND_HELP);
  const url = parseUrl(values.url);

  const secret = (await readInput(values['secret-file'], 'secret file')).toString('utf8').trim();
  if (!secret) throw new UsageError(`the secret file ${values['secret-file']} is empty`);
  const file = positionals[0];
  const body = file
    ? await readInput(file, 'batch file')
    : Buffer.from(JSON.stringify(sampleBatch(values.event, new Date())));
  const delivery = values.delivery ?? randomUUID();

  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Openfaas-Event': values.event,
        'X-Openfaas-Delivery': delivery,
        'X-Openfaas-Signature-256': signBody(body, secret),
      },
      body,
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    out.write(`no answer from ${url.href}: ${cause}\n`);
    return 1;
  }
  const text = await response.text();
  out.write(
    `HTTP ${response.status} ${response.statusText} (delivery ${delivery})\n${text}${text.endsWith('\n') ? '' : '\n'}`,
  );
  return response.ok ? 0 : 1;
}

function parseUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // fall through to the usage error
  }
  throw new UsageError(`--url "${text}" is not an http(s) URL`);
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(
      `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}
