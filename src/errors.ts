/**
 * Fatal errors of pinconv. A bad row is never an exception: it becomes a reject
 * with a reason code (see events/reasons.ts). Messages never carry personal data
 * or the token: they name files, lines, options and codes only.
 */

export const EXIT = {
  ok: 0,
  fatal: 1,
  usage: 2,
  rejects: 3,
  interrupted: 130,
} as const;

export type ErrorCode =
  | 'PINCONV_USAGE'
  | 'PINCONV_INPUT'
  | 'PINCONV_OUTPUT'
  | 'PINCONV_AUTH'
  | 'PINCONV_SEND'
  | 'PINCONV_CHECKPOINT'
  | 'PINCONV_LIMIT'
  | 'PINCONV_INTERRUPTED';

export class PinconvError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, exitCode: number) {
    super(message);
    this.name = 'PinconvError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A bad option or argument (exit 2). */
export class UsageError extends PinconvError {
  constructor(message: string) {
    super('PINCONV_USAGE', message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** Where a row or an error sits in the input: a file (or "stdin") and a line or record number. */
export interface Position {
  file: string;
  /** 1-based line for CSV and NDJSON, 1-based record number for JSON arrays. */
  line: number;
  unit?: 'line' | 'record';
}

export function formatPosition(pos: Position): string {
  return pos.unit === 'record' ? `${pos.file}: record ${pos.line}` : `${pos.file}:${pos.line}`;
}

/** Unreadable or malformed input (exit 1, or 2 for a structural problem such as a missing column). */
export class InputError extends PinconvError {
  readonly position: Position | undefined;
  constructor(message: string, position?: Position, exitCode: number = EXIT.fatal) {
    super('PINCONV_INPUT', position ? `${formatPosition(position)}: ${message}` : message, exitCode);
    this.name = 'InputError';
    this.position = position;
  }
}

export class OutputError extends PinconvError {
  constructor(message: string, exitCode: number = EXIT.fatal) {
    super('PINCONV_OUTPUT', message, exitCode);
    this.name = 'OutputError';
  }
}

/** 401/403 from the API: the run stops after saving progress (exit 1). */
export class AuthError extends PinconvError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('PINCONV_AUTH', message, EXIT.fatal);
    this.name = 'AuthError';
    this.status = status;
  }
}

/** Retries exhausted or an answer the client cannot use (exit 1). */
export class SendError extends PinconvError {
  constructor(message: string) {
    super('PINCONV_SEND', message, EXIT.fatal);
    this.name = 'SendError';
  }
}

/** A checkpoint written for another input or another destination (exit 2). */
export class CheckpointError extends PinconvError {
  constructor(message: string, exitCode: number = EXIT.usage) {
    super('PINCONV_CHECKPOINT', message, exitCode);
    this.name = 'CheckpointError';
  }
}

/** Output limits that cannot be kept, such as `--out -` with more rows than one upload file may hold. */
export class LimitError extends PinconvError {
  constructor(message: string) {
    super('PINCONV_LIMIT', message, EXIT.fatal);
    this.name = 'LimitError';
  }
}

export class InterruptedError extends PinconvError {
  constructor() {
    super('PINCONV_INTERRUPTED', 'interrupted', EXIT.interrupted);
    this.name = 'InterruptedError';
  }
}

/** A worker thread died (out of memory, most likely): a fatal error with advice, not an internal one. */
export function workerFailure(error: Error): PinconvError {
  const code = (error as NodeJS.ErrnoException).code ?? error.name;
  const advice = code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'it ran out of memory; retry with --threads 1' : 'retry with --threads 1';
  return new PinconvError('PINCONV_INPUT', `a worker thread failed (${code}): ${advice}`, EXIT.fatal);
}
