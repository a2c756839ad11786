/**
 * The one domain error: a message for a person and a stable `reason` for a program. Its HTTP
 * status comes from the reason (shared/errors.ts ERROR_REASON_STATUS); the tRPC edge maps it to a
 * transport code once (server/trpc.ts). The subclasses only name a default reason.
 */
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { ERROR_REASON_STATUS, type ErrorReason, type ErrorStatus } from '../shared/errors.js';

export class StudioError extends Error {
  override name = 'StudioError';
  constructor(
    message: string,
    readonly reason: ErrorReason,
  ) {
    super(message);
  }

  get status(): ErrorStatus {
    return ERROR_REASON_STATUS[this.reason];
  }
}

export class NotFoundError extends StudioError {
  override name = 'NotFoundError';
  constructor(message: string, reason: ErrorReason = 'not-found') {
    super(message, reason);
  }
}

/** The request is valid but the current state does not allow it (lifecycle, a malformed file, OpenCode down). */
export class PreconditionError extends StudioError {
  override name = 'PreconditionError';
  constructor(message: string, reason: ErrorReason = 'not-allowed-now') {
    super(message, reason);
  }
}

export class InvalidInputError extends StudioError {
  override name = 'InvalidInputError';
  constructor(message: string, reason: ErrorReason = 'invalid-input') {
    super(message, reason);
  }
}

/** A file under `.opencode-studio/` that cannot be read as what it should be. */
export class InvalidFileError extends StudioError {
  override name = 'InvalidFileError';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`, 'invalid-file');
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The tRPC code whose HTTP status is `status` (tRPC's own table, read backwards for the statuses a reason has). */
const CODE_BY_STATUS: Record<ErrorStatus, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  500: 'INTERNAL_SERVER_ERROR',
};

/** The transport code of a reason: what tRPC answers, and so the status REST answers. */
export function codeForReason(reason: ErrorReason): TRPC_ERROR_CODE_KEY {
  return CODE_BY_STATUS[ERROR_REASON_STATUS[reason]];
}

/** The reason implied by a transport code, for errors that carry none of their own (a body tRPC could not parse). */
const REASON_BY_CODE: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorReason>> = {
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
  return REASON_BY_CODE[code as TRPC_ERROR_CODE_KEY] ?? 'internal';
}
