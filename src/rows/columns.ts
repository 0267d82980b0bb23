import { UsageError } from '../errors.js';

/** The warehouse columns pinconv reads (PRODUCT §2), by their canonical names. */
export const FIELDS = [
  'email', 'maid', 'phone', 'given_name', 'surname', 'gender', 'birthdate', 'city', 'state', 'postal',
  'country', 'extern_id', 'timestamp', 'currency', 'order_revenue', 'price', 'quantity', 'order_id',
  'item_name', 'product_id', 'opt_out', 'opt_out_type',
] as const;

export type Field = (typeof FIELDS)[number];

export const FIELD_INDEX: Readonly<Record<Field, number>> = Object.fromEntries(
  FIELDS.map((field, index) => [field, index]),
) as Record<Field, number>;

/** Other names the same columns go by (PRODUCT §2). */
const ALIASES: Readonly<Record<string, Field>> = {
  event_time: 'timestamp',
  value: 'order_revenue',
};

/**
 * Resolves input column names to canonical fields, case-insensitively, with `--map src=dst` renames
 * applied first. Unknown names are remembered once each, for the report.
 */
export class ColumnResolver {
  readonly renames: ReadonlyMap<string, Field>;
  private readonly cache = new Map<string, Field | undefined>();
  readonly unknown = new Set<string>();
  /** The unknown list in the report is bounded; a JSON export with free-form keys must not grow it. */
  static readonly MAX_UNKNOWN = 200;

  constructor(map: ReadonlyMap<string, Field>) {
    this.renames = map;
  }

  resolve(name: string): Field | undefined {
    if (this.cache.has(name)) return this.cache.get(name);
    const lower = name.trim().toLowerCase();
    const field =
      this.renames.get(lower) ??
      ((FIELDS as readonly string[]).includes(lower) ? (lower as Field) : ALIASES[lower]);
    if (this.cache.size < 10_000) this.cache.set(name, field);
    if (field === undefined) this.noteUnknown(name);
    return field;
  }

  /** Remembers a column name that maps to no field, up to MAX_UNKNOWN names. */
  noteUnknown(name: string): void {
    const trimmed = name.trim();
    if (trimmed !== '' && this.unknown.size < ColumnResolver.MAX_UNKNOWN) this.unknown.add(trimmed);
  }
}

/** Parses `--map src=dst` values; dst must be a canonical field or alias. */
export function parseColumnMap(entries: readonly string[]): Map<string, Field> {
  const map = new Map<string, Field>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const src = eq > 0 ? entry.slice(0, eq).trim().toLowerCase() : '';
    const dstName = eq > 0 ? entry.slice(eq + 1).trim().toLowerCase() : '';
    const dst = (FIELDS as readonly string[]).includes(dstName) ? (dstName as Field) : ALIASES[dstName];
    if (src === '' || dst === undefined) {
      throw new UsageError(
        `--map takes SOURCE=FIELD where FIELD is one of ${FIELDS.join(', ')}; got "${entry}"`,
      );
    }
    map.set(src, dst);
  }
  return map;
}
