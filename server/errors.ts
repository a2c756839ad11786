/** Domain errors. The tRPC edge maps each to one transport code (server/trpc.ts). */

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The request is valid but the current state does not allow it (lifecycle, a malformed file, OpenCode down). */
export class PreconditionError extends Error {
  override name = 'PreconditionError';
}

export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** A file under `.opencode-studio/` that cannot be read as what it should be. */
export class InvalidFileError extends Error {
  override name = 'InvalidFileError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
