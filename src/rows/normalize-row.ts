import type { CountryCode } from 'libphonenumber-js';
import type { Position } from '../errors.js';
import type { RejectReason } from '../events/reasons.js';
import { normalizeBirthdate, type DateOrder } from '../normalize/birthdate.js';
import { normalizeCountry } from '../normalize/country.js';
import { normalizeCurrency } from '../normalize/currency.js';
import { amountText, parseQuantity } from '../normalize/decimal.js';
import { normalizeEmail } from '../normalize/email.js';
import { normalizeGender } from '../normalize/gender.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizeCity, normalizeExternId, normalizeMaid, normalizeName } from '../normalize/names.js';
import { normalizeOptOutType, parseOptOut } from '../normalize/opt-out.js';
import { normalizePhone, phoneCountry } from '../normalize/phone.js';
import { normalizePostal } from '../normalize/postal.js';
import { normalizeState } from '../normalize/state.js';
import { cleanText } from '../normalize/text.js';
import { parseTimestamp } from '../normalize/timestamp.js';
import { FIELD_INDEX, type Field } from './columns.js';

/** A raw cell as it comes from CSV (string) or JSON (any scalar). */
export type Cell = string | number | boolean | null | undefined;

/** Keys of Pinterest's user_data that pinconv fills, each a SHA-256 hex digest. */
export const USER_KEYS = ['em', 'hashed_maids', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id'] as const;
export type UserKey = (typeof USER_KEYS)[number];
export type UserHashes = { [K in UserKey]?: string | undefined };

/**
 * User hashes with every key present, in USER_KEYS order, undefined until filled: all such objects
 * share one shape, so filling a key is a plain store rather than a new shape per object (about 4% of
 * a row's normalisation, measured; JSON leaves the undefined keys out).
 */
export function emptyUser(): UserHashes {
  return {
    em: undefined, hashed_maids: undefined, ph: undefined, fn: undefined, ln: undefined, ge: undefined,
    db: undefined, ct: undefined, st: undefined, zp: undefined, country: undefined, external_id: undefined,
  };
}

/** The personal fields, and the user_data key each fills. */
export const PERSONAL_KEY = {
  email: 'em', maid: 'hashed_maids', phone: 'ph', given_name: 'fn', surname: 'ln', gender: 'ge',
  birthdate: 'db', city: 'ct', state: 'st', postal: 'zp', country: 'country', extern_id: 'external_id',
} as const satisfies Partial<Record<Field, UserKey>>;
type PersonalField = keyof typeof PERSONAL_KEY;

/** One input row after the field rules: only hashes of personal data, never plaintext. */
export interface NormalizedRow {
  seq: number;
  pos: Position;
  orderId: string | undefined;
  eventTime: number;
  currency: string;
  value: string | undefined;
  price: string | undefined;
  quantity: number | undefined;
  productId: string | undefined;
  itemName: string | undefined;
  user: UserHashes;
  optOut: boolean | undefined;
  optOutType: string | undefined;
}

export interface RowReject {
  pos: Position;
  reason: RejectReason;
  field?: Field;
  message: string;
  /** The raw value, kept only when the user asked for --rejects-values. */
  value?: string;
  /** The order of a row refused while its order was put together (events/chunk-group.ts). */
  order_id?: string;
  /**
   * Not reported: the order_id of a refused row whose order the main thread still counts rows of
   * (a multi-run order not complete in its chunk, events/chunk-group.ts).
   */
  countFor?: string;
}

export type RowResult = { ok: true; row: NormalizedRow } | { ok: false; reject: RowReject };

/** What the row rules need from the options, resolved once. */
export interface RowRules {
  defaultCountry: string; // alpha-2, lowercase
  defaultCurrency: string | undefined;
  timeZone: string | undefined;
  dateOrder: DateOrder;
  todayYmd: string;
  keepRejectValues: boolean;
  /**
   * The user_data keys to fill; all when undefined. The upload CSV carries at most email, phone and
   * maid: the other personal fields are then skipped, neither checked nor counted nor hashed.
   */
  userKeys?: readonly UserKey[];
}

/** Per-field counts of values that were present but invalid and so left out. */
export type InvalidFieldCounts = Partial<Record<Field, number>>;

function text(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  return typeof cell === 'string' ? cell : String(cell);
}

/**
 * Whether a cell is empty after the text rules (NFC, trim). NFC turns no whitespace into anything
 * else and nothing else into whitespace, so trim alone decides; a visible ASCII first character
 * decides without it.
 */
function isBlank(cell: Cell): boolean {
  if (cell === null || cell === undefined) return true;
  if (typeof cell !== 'string') return false;
  const first = cell.charCodeAt(0);
  if (first > 32 && first < 127) return false;
  return cell.trim() === '';
}

/** The order_id of a row: trimmed NFC text, or undefined when blank (the prescan uses it too). */
export function orderIdOf(cell: Cell): string | undefined {
  return isBlank(cell) ? undefined : cleanText(text(cell));
}

/** Entries per field in the table of recent values and their hashes. */
const MEMO_ENTRIES = 4096;
/** Fields with few distinct values; emails, phones, ids and birthdates rarely repeat soon enough to pay. */
const MEMO_FIELDS: ReadonlySet<Field> = new Set<Field>(['gender', 'state', 'country', 'city', 'given_name', 'surname', 'postal']);

/** A row's country as the phone and postal rules read it. */
interface RowCountry {
  /** The alpha-2 code (lowercase), or the default country. */
  postal: string;
  /** The calling-code region, or the default country's. */
  phone: CountryCode;
}

/** The rule of each personal field, in user_data order; phone and postal read the row's country. */
const PERSONAL_RULES: Readonly<Record<PersonalField, (raw: string, row: RowCountry, rules: RowRules) => string | undefined>> = {
  email: normalizeEmail,
  maid: normalizeMaid,
  phone: (raw, row) => normalizePhone(raw, row.phone),
  given_name: normalizeName,
  surname: normalizeName,
  gender: normalizeGender,
  birthdate: (raw, _row, rules) => normalizeBirthdate(raw, rules.todayYmd, rules.dateOrder),
  city: normalizeCity,
  state: normalizeState,
  postal: (raw, row) => normalizePostal(raw, row.postal),
  country: normalizeCountry,
  extern_id: normalizeExternId,
};

/** Countries with a memo table of their own, for a field whose rule reads the country; more clear them all. */
const MEMO_COUNTRIES = 16;

interface PersonalSpec {
  field: PersonalField;
  /** FIELD_INDEX of the field's cell. */
  index: number;
  key: UserKey;
  rule: (raw: string, row: RowCountry, rules: RowRules) => string | undefined;
  /** Recent values and their hashes (null: invalid), for fields in MEMO_FIELDS whose rule ignores the country. */
  memo: Map<string, string | null> | undefined;
  /** The same per country, for a memoised field whose rule reads the row's country (postal). */
  memoByCountry: Map<string, Map<string, string | null>> | undefined;
  /** Entries in the field's tables, all countries together: MEMO_ENTRIES bounds them all. */
  memoEntries: number;
}

/** Empties a field's memo tables (a country's table stays in place, empty). */
function clearMemo(spec: PersonalSpec): void {
  spec.memo?.clear();
  for (const memo of spec.memoByCountry?.values() ?? []) memo.clear();
  spec.memoEntries = 0;
}

export class RowNormalizer {
  readonly invalid: InvalidFieldCounts = {};
  private readonly rules: RowRules;
  private readonly defaultPhoneCountry: CountryCode;
  /** Whether the phone is hashed: only then is a row's country looked up among calling codes (libphonenumber). */
  private readonly wantsPhone: boolean;

  constructor(rules: RowRules) {
    this.rules = rules;
    const wanted = new Set(rules.userKeys ?? USER_KEYS);
    this.wantsPhone = wanted.has('ph');
    this.defaultPhoneCountry = this.phoneCountryOf(rules.defaultCountry) ?? 'US';
    this.specs = (Object.keys(PERSONAL_RULES) as PersonalField[])
      .filter((field) => wanted.has(PERSONAL_KEY[field]))
      .map((field) => {
        const memoised = MEMO_FIELDS.has(field);
        // The postal rule reads the row's country: its values are memoised per country.
        const byCountry = field === 'postal';
        return {
          field,
          index: FIELD_INDEX[field],
          key: PERSONAL_KEY[field],
          rule: PERSONAL_RULES[field],
          memo: memoised && !byCountry ? new Map() : undefined,
          memoByCountry: memoised && byCountry ? new Map() : undefined,
          memoEntries: 0,
        };
      });
  }

  /** A country's calling-code region, only when the phone is hashed (libphonenumber loads at first use). */
  private phoneCountryOf(code: string | undefined): CountryCode | undefined {
    return this.wantsPhone ? phoneCountry(code) : undefined;
  }

  private countInvalid(field: Field): void {
    this.invalid[field] = (this.invalid[field] ?? 0) + 1;
  }

  private reject(pos: Position, reason: RejectReason, field: Field, message: string, cell: Cell): RowResult {
    const reject: RowReject = { pos, reason, field, message };
    if (this.rules.keepRejectValues && !isBlank(cell)) reject.value = text(cell);
    return { ok: false, reject };
  }

  /**
   * Hashes the wanted personal fields of a row into its user hashes; a present but invalid value is
   * counted and dropped.
   */
  private personal(user: UserHashes, cells: readonly Cell[], row: RowCountry): void {
    const specs = this.specs;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as PersonalSpec;
      const cell = cells[spec.index];
      if (isBlank(cell)) continue;
      const raw = text(cell);
      let hash: string | null | undefined;
      const memo = spec.memoByCountry === undefined ? spec.memo : this.countryMemo(spec.memoByCountry, spec, row.postal);
      if (memo === undefined) {
        const normalized = spec.rule(raw, row, this.rules);
        hash = normalized === undefined ? null : hashNormalized(normalized);
      } else {
        // Countries, states, genders, cities and names repeat from row to row: the rule and the hash of a
        // value seen recently are looked up instead of computed (on the 1M-row bench export this halves
        // the SHA-256 calls). Bounded: a full table is cleared. A rule that reads the row's country
        // (postal) has a table per country.
        hash = memo.get(raw);
        if (hash === undefined) {
          const normalized = spec.rule(raw, row, this.rules);
          hash = normalized === undefined ? null : hashNormalized(normalized);
          if (spec.memoEntries >= MEMO_ENTRIES) clearMemo(spec);
          memo.set(raw, hash);
          spec.memoEntries++;
        }
      }
      if (hash === null) this.countInvalid(spec.field);
      else user[spec.key] = hash;
    }
  }

  /** The memo table of a country-dependent field for one country; the tables of all countries share the bound. */
  private countryMemo(tables: Map<string, Map<string, string | null>>, spec: PersonalSpec, country: string): Map<string, string | null> {
    let memo = tables.get(country);
    if (memo === undefined) {
      if (tables.size >= MEMO_COUNTRIES) {
        tables.clear();
        spec.memoEntries = 0;
      }
      memo = new Map();
      tables.set(country, memo);
    }
    return memo;
  }

  /** The wanted personal fields in user_data order, each with its rule and memo table. */
  private readonly specs: PersonalSpec[];
  private readonly countries = new Map<string, RowCountry>();

  /**
   * What a row's country cell means for the phone and postal rules (plaintext, never stored):
   * looked up per distinct cell, as libphonenumber's check allocates on every call.
   */
  private rowCountry(cell: Cell): RowCountry {
    const raw = isBlank(cell) ? '' : text(cell);
    let found = this.countries.get(raw);
    if (found === undefined) {
      const code = raw === '' ? undefined : normalizeCountry(raw);
      found =
        code !== undefined && code.length === 2
          ? { postal: code, phone: this.phoneCountryOf(code) ?? this.defaultPhoneCountry }
          : { postal: this.rules.defaultCountry, phone: this.defaultPhoneCountry };
      if (this.countries.size >= MEMO_ENTRIES) this.countries.clear();
      this.countries.set(raw, found);
    }
    return found;
  }

  /** Applies every rule of PRODUCT §3 to one row whose cells are indexed by FIELD_INDEX. */
  normalize(cells: readonly Cell[], seq: number, pos: Position): RowResult {
    const rules = this.rules;
    const timestampCell = cells[FIELD_INDEX.timestamp];
    if (isBlank(timestampCell)) return this.reject(pos, 'BAD_TIMESTAMP', 'timestamp', 'timestamp is missing', timestampCell);
    const eventTime =
      typeof timestampCell === 'number' || typeof timestampCell === 'string'
        ? parseTimestamp(timestampCell, rules.timeZone)
        : undefined;
    if (eventTime === undefined) {
      return this.reject(pos, 'BAD_TIMESTAMP', 'timestamp', 'timestamp is not a date-time pinconv reads', timestampCell);
    }

    const currencyCell = cells[FIELD_INDEX.currency];
    let currency: string | undefined;
    if (isBlank(currencyCell)) {
      currency = rules.defaultCurrency;
      if (currency === undefined) {
        return this.reject(pos, 'BAD_CURRENCY', 'currency', 'currency is missing and no --default-currency is set', currencyCell);
      }
    } else {
      currency = normalizeCurrency(text(currencyCell));
      if (currency === undefined) return this.reject(pos, 'BAD_CURRENCY', 'currency', 'currency is not an ISO 4217 code', currencyCell);
    }

    let value: string | undefined;
    const valueCell = cells[FIELD_INDEX.order_revenue];
    if (!isBlank(valueCell)) {
      const parsed = amountText(typeof valueCell === 'number' ? valueCell : text(valueCell));
      if (!parsed.ok) {
        return parsed.reason === 'negative'
          ? this.reject(pos, 'NEGATIVE_VALUE', 'order_revenue', 'order_revenue is negative', valueCell)
          : this.reject(pos, 'BAD_VALUE', 'order_revenue', 'order_revenue is not a decimal amount', valueCell);
      }
      value = parsed.text;
    }

    let price: string | undefined;
    const priceCell = cells[FIELD_INDEX.price];
    if (!isBlank(priceCell)) {
      const parsed = amountText(typeof priceCell === 'number' ? priceCell : text(priceCell));
      if (parsed.ok) {
        price = parsed.text;
      } else if (value === undefined) {
        // The order's value may depend on this price: the row cannot be counted.
        return parsed.reason === 'negative'
          ? this.reject(pos, 'NEGATIVE_VALUE', 'price', 'price is negative', priceCell)
          : this.reject(pos, 'BAD_VALUE', 'price', 'price is not a decimal amount', priceCell);
      } else {
        this.countInvalid('price');
      }
    }

    let quantity: number | undefined;
    const quantityCell = cells[FIELD_INDEX.quantity];
    if (!isBlank(quantityCell)) {
      const parsed = parseQuantity(typeof quantityCell === 'number' ? quantityCell : text(quantityCell));
      if (parsed.ok) {
        quantity = parsed.value;
      } else if (price !== undefined && value === undefined) {
        return this.reject(pos, 'BAD_QUANTITY', 'quantity', 'quantity is not a non-negative integer', quantityCell);
      } else {
        this.countInvalid('quantity');
      }
    }
    if (quantity === undefined && price !== undefined) quantity = 1;

    const user = emptyUser();
    // The row's country steers the phone and postal rules.
    this.personal(user, cells, this.rowCountry(cells[FIELD_INDEX.country]));

    let optOut: boolean | undefined;
    const optOutCell = cells[FIELD_INDEX.opt_out];
    if (typeof optOutCell === 'boolean') optOut = optOutCell;
    else if (!isBlank(optOutCell)) {
      optOut = parseOptOut(text(optOutCell));
      if (optOut === undefined) this.countInvalid('opt_out');
    }
    const optOutTypeCell = cells[FIELD_INDEX.opt_out_type];
    const optOutType = isBlank(optOutTypeCell) ? undefined : normalizeOptOutType(text(optOutTypeCell));

    const productCell = cells[FIELD_INDEX.product_id];
    const itemCell = cells[FIELD_INDEX.item_name];
    return {
      ok: true,
      row: {
        seq,
        pos,
        orderId: orderIdOf(cells[FIELD_INDEX.order_id]),
        eventTime,
        currency,
        value,
        price,
        quantity,
        productId: isBlank(productCell) ? undefined : cleanText(text(productCell)),
        itemName: isBlank(itemCell) ? undefined : cleanText(text(itemCell)),
        user,
        optOut,
        optOutType,
      },
    };
  }
}
