/**
 * A one-line progress display on stderr, only when stderr is a terminal: piped or redirected runs print
 * nothing, so logs and scripts stay clean. Redraws at most ten times a second.
 */
export function progress(stream: NodeJS.WriteStream = process.stderr): { update(text: string): void; done(): void } {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(text: string) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[K${text.slice(0, (stream.columns ?? 80) - 1)}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
