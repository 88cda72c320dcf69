import { post } from './receiver-process.js';

export interface SendOutcome {
  status: number;
  attempts: number;
  /** Statuses of the attempts that were retried (0: no answer). */
  retried: number[];
}

/**
 * Sends a delivery the way OpenFaaS's queue-worker does: retries on no answer, 429 and 5xx, waiting as
 * long as Retry-After says (else an exponential back-off), until a final answer or the attempts run out.
 */
export async function sendWithRetries(
  url: string,
  delivery: { headers: Record<string, string>; body: Buffer },
  options: { maxAttempts?: number; baseDelayMs?: number } = {},
): Promise<SendOutcome> {
  const maxAttempts = options.maxAttempts ?? 40;
  const baseDelay = options.baseDelayMs ?? 100;
  const retried: number[] = [];
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    let retryAfter: string | null = null;
    try {
      const response = await post(url, delivery);
      status = response.status;
      retryAfter = response.headers.get('retry-after');
    } catch {
      status = 0; // no answer: connection refused or reset
    }
    const retryable = status === 0 || status === 429 || status >= 500;
    if (!retryable || attempt >= maxAttempts) return { status, attempts: attempt, retried };
    retried.push(status);
    const waitMs = retryAfter !== null ? Number(retryAfter) * 1000 : Math.min(baseDelay * 2 ** (attempt - 1), 5000);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/** Runs `task` over `items` with at most `limit` running at once. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  });
  await Promise.all(workers);
}
