/**
 * pinconv as a library: the same pipeline the CLI runs. Options are resolved (and validated) once by
 * resolveSendOptions / resolveCsvOptions; buildEvents streams events; the writers send or store them.
 */
export { buildEvents, EventItem, type PipelineIO } from './pipeline.js';
export {
  resolveSendOptions,
  resolveCsvOptions,
  parseCsvColumns,
  type PipelineOptions,
  type SendOptions,
  type CsvOptions,
  type CsvColumn,
  UPLOAD_MAX_ROWS,
  UPLOAD_MAX_BYTES,
} from './options.js';
export { Report, type RejectLine } from './report.js';
export { sendToPinterest, openCheckpoint, type SendIO } from './pinterest/send.js';
export { writeDryRun } from './pinterest/dry-run.js';
export { startSandbox, type Sandbox, type SandboxOptions, type SandboxStats } from './pinterest/sandbox.js';
export type { ConversionEvent, ContentItem, EventResult, ConversionApiResponse } from './pinterest/contract.js';
export { writeUploadCsv } from './upload/write.js';
export { LineWriter } from './output.js';
export { REASONS, type RejectReason } from './events/reasons.js';
export { MAX_BATCH_EVENTS, MAX_BATCH_BYTES } from './events/batch.js';
export {
  EXIT,
  PinconvError,
  UsageError,
  InputError,
  OutputError,
  AuthError,
  SendError,
  CheckpointError,
  LimitError,
  InterruptedError,
  type ErrorCode,
  type Position,
} from './errors.js';
export { normalizeEmail } from './normalize/email.js';
export { normalizePhone } from './normalize/phone.js';
export { normalizeName, normalizeCity, normalizeExternId, normalizeMaid } from './normalize/names.js';
export { normalizeGender } from './normalize/gender.js';
export { normalizeBirthdate } from './normalize/birthdate.js';
export { normalizeState } from './normalize/state.js';
export { normalizePostal } from './normalize/postal.js';
export { normalizeCountry } from './normalize/country.js';
export { normalizeCurrency } from './normalize/currency.js';
export { parseDecimal, formatDecimal } from './normalize/decimal.js';
export { parseTimestamp } from './normalize/timestamp.js';
export { sha256Hex, hashNormalized } from './normalize/hash.js';
