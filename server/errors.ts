/** Domain errors. The tRPC edge maps each to one transport code and its `reason` (server/trpc.ts). */
import type { ErrorReason } from '../shared/errors.js';

export class NotFoundError extends Error {
  override name = 'NotFoundError';
  readonly reason: ErrorReason = 'not-found';
}

/** The request is valid but the current state does not allow it (lifecycle, a malformed file, OpenCode down). */
export class PreconditionError extends Error {
  override name = 'PreconditionError';
  constructor(
    message: string,
    readonly reason: ErrorReason = 'not-allowed-now',
  ) {
    super(message);
  }
}

export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    readonly reason: ErrorReason = 'invalid-input',
  ) {
    super(message);
  }
}

/** A file under `.opencode-studio/` that cannot be read as what it should be. */
export class InvalidFileError extends Error {
  override name = 'InvalidFileError';
  readonly reason: ErrorReason = 'invalid-file';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The reason implied by a transport code, for errors that carry none of their own (a bad body, no token). */
const REASON_BY_CODE: Record<string, ErrorReason> = {
  NOT_FOUND: 'not-found',
  BAD_REQUEST: 'invalid-input',
  PARSE_ERROR: 'invalid-input',
  UNSUPPORTED_MEDIA_TYPE: 'invalid-input',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  PAYLOAD_TOO_LARGE: 'too-large',
  PRECONDITION_FAILED: 'not-allowed-now',
};

export function reasonForCode(code: string): ErrorReason {
  return REASON_BY_CODE[code] ?? 'internal';
}
