export type Format = 'csv' | 'ndjson' | 'json';
export type Delimiter = ',' | ';' | '\t' | '|';
export const DELIMITERS: readonly Delimiter[] = [',', ';', '\t', '|'];

const UTF8_BOM = [0xef, 0xbb, 0xbf];

function skipBomAndSpace(head: Buffer): number {
  let i = 0;
  if (head[0] === UTF8_BOM[0] && head[1] === UTF8_BOM[1] && head[2] === UTF8_BOM[2]) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return i;
}

/** `[` starts a JSON array, `{` NDJSON; anything else is CSV. */
export function detectFormat(head: Buffer): Format {
  const first = head[skipBomAndSpace(head)];
  if (first === 0x5b) return 'json';
  if (first === 0x7b) return 'ndjson';
  return 'csv';
}

/** True when the head holds bytes no text export has: NUL, or invalid UTF-8. */
export function looksBinary(head: Buffer): boolean {
  if (head.includes(0)) return true;
  try {
    // stream: true tolerates a multi-byte character cut at the end of the head.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return false;
  } catch {
    return true;
  }
}

/** The delimiter that occurs most often outside quotes on the header line; `,` when none does. */
export function detectDelimiter(head: Buffer): Delimiter {
  const counts = new Map<number, number>();
  let quoted = false;
  for (let i = skipBomAndSpace(head); i < head.length; i++) {
    const byte = head[i] as number;
    if (byte === 0x22) quoted = !quoted;
    else if (!quoted && (byte === 0x0a || byte === 0x0d)) break;
    else if (!quoted && (byte === 0x2c || byte === 0x3b || byte === 0x09 || byte === 0x7c)) {
      counts.set(byte, (counts.get(byte) ?? 0) + 1);
    }
  }
  let best: Delimiter = ',';
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    const count = counts.get(delimiter.charCodeAt(0)) ?? 0;
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}
