/** A mistake on the command line: printed with the command's help, exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Commands take options only (send takes one file, and checks that itself). */
export function noArguments(positionals: string[], help: string): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, help);
}
