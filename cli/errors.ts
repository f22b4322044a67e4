/** Exit codes (docs/cli.md) and the error that carries one. */
export const EXIT = { ok: 0, failed: 1, stopped: 2, error: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.error,
  ) {
    super(message);
  }
}

/** A job's final status as the exit code. */
export const exitFor = (status: string): number => (status === 'Completed' ? EXIT.ok : status === 'Stopped' ? EXIT.stopped : EXIT.failed);
