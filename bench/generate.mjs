#!/usr/bin/env node
// Writes a deterministic, realistic warehouse order export for the benchmarks: order-level (one row
// per order, a few repeated through joins) or item-level (1–5 rows per order, the rows of an order
// interleaved with other orders and some far apart). Streamed with backpressure: 10M rows need no
// more memory than 1k. A sidecar FILE.meta.json records the parameters and the counts pinconv
// should report (rows.read, events.built, rows.rejected), so the runners can check them.
import { createWriteStream, renameSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import path from 'node:path';
import { parseArgs, fail, dataPath, metaPath, DEFAULT_NOW, GENERATOR_VERSION } from './lib.mjs';

const USAGE = `node generate.mjs [options]

  --rows N          data rows to write (default 1000000; 10000000 works, streamed)
  --kind order|item order-level (order_revenue) or item-level (price, quantity, product_id, item_name)
  --format csv|ndjson  (default csv)
  --seed S          PRNG seed (default 42): same options, same bytes
  --now ISO         event times fall in the 6 days before it (default ${DEFAULT_NOW})
  --out PATH        output file (default $PINCONV_BENCH_DIR or <tmpdir>/pinconv-bench/<kind>-<rows>-s<seed>.<format>[.gz])
  --gzip            gzip the output
  --dirty-rate R    share of dirty rows/orders (default 0.01): bad timestamp, XXX currency, no email, negative value
  --dup-rate R      order-level: share of rows that repeat an earlier order's row, as joins do (default 0.005)
  --quiet           no summary on stderr`;

const opts = parseArgs(
  process.argv.slice(2),
  { rows: 1_000_000, kind: 'order', format: 'csv', seed: 42, now: DEFAULT_NOW, out: '', gzip: false, dirtyRate: 0.01, dupRate: 0.005, quiet: false },
  USAGE,
);
if (!['order', 'item'].includes(opts.kind)) fail(`--kind must be order or item`);
if (!['csv', 'ndjson'].includes(opts.format)) fail(`--format must be csv or ndjson`);
if (!Number.isInteger(opts.rows) || opts.rows < 1) fail(`--rows must be a positive integer`);
const nowMs = Date.parse(opts.now);
if (Number.isNaN(nowMs)) fail(`--now: not a date: ${opts.now}`);
const outPath = opts.out || dataPath(opts);

// ---------------------------------------------------------------------------------------------
// PRNG: mulberry32, one stream for the row sequence and a derived one per customer, so a customer
// has the same name, email and address wherever it appears.
function mulberry32(a) {
  return function next() {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function mix32(a, b) {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x27d4eb2f, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h | 0;
}
const rand = mulberry32(opts.seed);
const int = (r, n) => Math.floor(r() * n); // 0..n-1
const pick = (r, arr) => arr[Math.floor(r() * arr.length)];
/** Weighted pick from [[value, weight], …] (weights need not sum to 1). */
function weighted(table) {
  const total = table.reduce((s, [, w]) => s + w, 0);
  return (r) => {
    let x = r() * total;
    for (const [v, w] of table) if ((x -= w) < 0) return v;
    return table[table.length - 1][0];
  };
}
const pad = (n, w) => String(n).padStart(w, '0');

// ---------------------------------------------------------------------------------------------
// Vocabulary
const GIVEN = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara',
  'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Emily', 'Olivia', 'Liam', 'Noah', 'Ava', 'Sophia',
  'Mia', 'Ethan', 'Lucas', 'Harper', 'Jane', 'Kim', 'Sam', 'Wei', 'Priya', 'Mohammed', 'Aisha', 'Carlos', 'Lucía', 'José', 'Zoë',
  'Siobhán', 'Renée', 'Björn', 'Łukasz', 'François', 'Chloé', 'Jürgen', 'Ana María', 'Mary-Kate', "D'Andre", 'Søren', 'Émilie',
  'Åsa', 'Yūki', 'Nikolai', 'Małgorzata', 'Zoltán', 'Inés', 'Öykü'];
const SURNAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Wilson',
  'Anderson', 'Taylor', 'Thomas', 'Moore', 'Martin', 'Lee', 'Clark', 'Hall', 'Young', 'King', 'Wright', 'Patel', 'Kim', 'Chen',
  "O'Connor", "O'Brien", "D'Angelo", 'Müller', 'Schröder', 'García', 'Núñez', 'Lefèvre', 'van der Berg', 'Smith-Jones', 'McDonald',
  'Nguyễn', 'Kowalski', 'Østergaard', 'Dubois', 'Rossi', '田中', 'Иванов', 'Papadopoulos', 'Fernández', 'Çelik', 'Ó Súilleabháin'];
// [city, state code, state name, ZIP prefix (3 digits), area code]
const US = [
  ['San Francisco', 'CA', 'California', '941', '415'], ['Palo Alto', 'CA', 'California', '943', '650'],
  ['Los Angeles', 'CA', 'California', '900', '213'], ['New York', 'NY', 'New York', '100', '212'],
  ['Brooklyn', 'NY', 'New York', '112', '718'], ['Chicago', 'IL', 'Illinois', '606', '312'], ['Houston', 'TX', 'Texas', '770', '713'],
  ['Austin', 'TX', 'Texas', '787', '512'], ['St. Louis', 'MO', 'Missouri', '631', '314'], ['Seattle', 'WA', 'Washington', '981', '206'],
  ['Boston', 'MA', 'Massachusetts', '021', '617'], ['Cambridge', 'MA', 'Massachusetts', '021', '617'],
  ['Newark', 'NJ', 'New Jersey', '071', '973'], ["Coeur d'Alene", 'ID', 'Idaho', '838', '208'],
  ['Winston-Salem', 'NC', 'North Carolina', '271', '336'], ['Miami', 'FL', 'Florida', '331', '305'],
  ['Denver', 'CO', 'Colorado', '802', '303'], ['Phoenix', 'AZ', 'Arizona', '850', '602'], ['Portland', 'OR', 'Oregon', '972', '503'],
  ['Atlanta', 'GA', 'Georgia', '303', '404'], ['Nashville', 'TN', 'Tennessee', '372', '615'],
  ['Washington', 'DC', 'District of Columbia', '200', '202'], ['Hartford', 'CT', 'Connecticut', '061', '860'],
  ['Burlington', 'VT', 'Vermont', '054', '802'], ['Santa Fe', 'NM', 'New Mexico', '875', '505'], ['Honolulu', 'HI', 'Hawaii', '968', '808'],
  ['Minneapolis', 'MN', 'Minnesota', '554', '612'], ['Philadelphia', 'PA', 'Pennsylvania', '191', '215'],
];
// [city, outward codes, national trunk-less area code, subscriber digits]
const GB = [
  ['London', ['SW1A', 'EC1A', 'W1D', 'N1', 'SE1', 'E14'], '20', 8], ['Manchester', ['M1', 'M4', 'M15'], '161', 7],
  ['Edinburgh', ['EH1', 'EH3'], '131', 7], ['Cardiff', ['CF10', 'CF24'], '29', 8], ['Birmingham', ['B1', 'B5'], '121', 7],
];
// [city, province code, province name, postal first letter, area code]
const CA = [
  ['Toronto', 'ON', 'Ontario', 'M', '416'], ['Montréal', 'QC', 'Quebec', 'H', '514'], ['Vancouver', 'BC', 'British Columbia', 'V', '604'],
  ['Québec', 'QC', 'Québec', 'G', '418'], ['Calgary', 'AB', 'Alberta', 'T', '403'], ['Ottawa', 'ON', 'Ontario', 'K', '613'],
];
// [city, Land code, Land name, postal prefix (2 digits), area code]
const DE = [
  ['Berlin', 'BE', 'Berlin', '10', '30'], ['München', 'BY', 'Bayern', '80', '89'], ['Köln', 'NW', 'Nordrhein-Westfalen', '50', '221'],
  ['Düsseldorf', 'NW', 'Nordrhein-Westfalen', '40', '211'], ['Hamburg', 'HH', 'Hamburg', '20', '40'], ['Frankfurt am Main', 'HE', 'Hessen', '60', '69'],
];
const COUNTRY_OF = weighted([['US', 85], ['GB', 6], ['CA', 5], ['DE', 4]]);
const COUNTRY_TEXT = {
  US: weighted([['US', 40], ['USA', 15], ['United States', 20], ['us', 5], ['U.S.', 3], ['', 17]]),
  GB: weighted([['GB', 40], ['United Kingdom', 25], ['UK', 20], ['GBR', 10], ['gb', 5]]),
  CA: weighted([['CA', 50], ['Canada', 40], ['CAN', 10]]),
  DE: weighted([['DE', 45], ['Germany', 35], ['DEU', 10], ['de', 10]]),
};
const CURRENCY = { US: 'USD', GB: 'GBP', CA: 'CAD', DE: 'EUR' };
const DOMAINS = {
  US: ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'aol.com', 'example.com', 'proton.me', 'comcast.net'],
  GB: ['gmail.com', 'btinternet.com', 'outlook.co.uk', 'yahoo.co.uk', 'example.co.uk'],
  CA: ['gmail.com', 'rogers.com', 'shaw.ca', 'outlook.com', 'example.ca'],
  DE: ['gmail.com', 'web.de', 'gmx.de', 't-online.de', 'example.de'],
};
const GENDER_TEXT = {
  f: ['Female', 'female', 'F', 'f', 'woman', 'FEMALE'],
  m: ['Male', 'male', 'M', 'm', 'man', 'MALE'],
  n: ['non-binary', 'nonbinary', 'n', 'N'],
  u: ['', '', '', 'U', 'unknown', 'prefer not to say'],
};
const GENDER_OF = weighted([['f', 45], ['m', 40], ['n', 2], ['u', 13]]);
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ADJ = ['Linen', 'Canvas', 'Straw', 'Wool', 'Cotton', 'Leather', 'Ceramic', 'Bamboo', 'Denim', 'Silk', 'Recycled', 'Vintage'];
const NOUN = ['shirt', 'tote', 'hat', 'scarf', 'mug, 12 oz', 'planter', 'lamp', 'throw pillow', 'notebook', 'sandals', 'jacket',
  'water bottle', 'candle', 'rug 5\'x7\'', 'apron', 'tee "Classic"'];
const PRODUCTS = Array.from({ length: 480 }, (_, i) => {
  const r = mulberry32(mix32(opts.seed, 1_000_000_007 + i));
  return { id: `SKU-${pad(i + 1, 5)}`, name: `${ADJ[i % ADJ.length]} ${NOUN[Math.floor(i / ADJ.length) % NOUN.length]}`, cents: 100 + int(r, 24900) };
});
const BAD_TIMESTAMPS = ['last tuesday', '2026-13-45T10:00:00Z', 'N/A', '', '27/11/2026 25:61', '0000-00-00 00:00:00'];

// ---------------------------------------------------------------------------------------------
// Customers: attributes fixed per customer id.
const NUM_CUSTOMERS = Math.max(1000, Math.floor(opts.rows * (opts.kind === 'item' ? 0.25 : 0.6)));
function asciiLetters(s) {
  return s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
}
function customer(id) {
  const r = mulberry32(mix32(opts.seed, id));
  const country = COUNTRY_OF(r);
  const given = pick(r, GIVEN);
  const surname = pick(r, SURNAMES);
  const g = asciiLetters(given) || 'user';
  const s = asciiLetters(surname) || 'shop';
  const style = r();
  const local = style < 0.5 ? `${g}.${s}${id}` : style < 0.75 ? `${g}${s}${id}` : `${g[0]}_${s}${id}`;
  const domain = pick(r, DOMAINS[country]);
  const gender = GENDER_OF(r);
  const by = 1940 + int(r, 67);
  const bm = 1 + int(r, 12);
  const bd = 1 + int(r, 28);
  let city, stateCode, stateName, postal, phone;
  if (country === 'US' || country === 'CA') {
    let area;
    if (country === 'US') {
      const c = pick(r, US);
      [city, stateCode, stateName] = c;
      area = c[4];
      postal = { zip: c[3] + pad(int(r, 100), 2), plus4: pad(int(r, 10000), 4) };
    } else {
      const c = pick(r, CA);
      [city, stateCode, stateName] = c;
      area = c[4];
      const L = 'ABCEGHJKLMNPRSTVWXYZ';
      postal = { text: `${c[3]}${int(r, 10)}${L[int(r, L.length)]} ${int(r, 10)}${L[int(r, L.length)]}${int(r, 10)}` };
    }
    phone = { cc: '1', area, exch: String(200 + int(r, 800)), line: pad(int(r, 10000), 4) };
  } else if (country === 'GB') {
    const c = pick(r, GB);
    city = c[0];
    stateCode = stateName = '';
    const L = 'ABDEFGHJLNPQRSTUWXYZ';
    postal = { text: `${pick(r, c[1])} ${int(r, 10)}${L[int(r, L.length)]}${L[int(r, L.length)]}` };
    let sub = '';
    for (let i = 0; i < c[3]; i++) sub += i === 0 ? 2 + int(r, 8) : int(r, 10);
    phone = { cc: '44', area: c[2], sub };
  } else {
    const c = pick(r, DE);
    [city, stateCode, stateName] = c;
    postal = { text: c[3] + pad(int(r, 1000), 3) };
    let sub = '';
    const n = 6 + int(r, 3);
    for (let i = 0; i < n; i++) sub += i === 0 ? 1 + int(r, 9) : int(r, 10);
    phone = { cc: '49', area: c[4], sub };
  }
  return { id, country, given, surname, local, domain, gender, by, bm, bd, city, stateCode, stateName, postal, phone, hasPhone: r() < 0.85 };
}

// Per-row presentation of a customer's attributes (exports are inconsistent).
function emailText(c) {
  let local = c.local;
  let domain = c.domain;
  const x = rand();
  if (x < 0.2) {
    local = local.split(/([._])/).map((p) => (p.length > 1 ? p[0].toUpperCase() + p.slice(1) : p)).join('');
    domain = domain[0].toUpperCase() + domain.slice(1);
  } else if (x < 0.25) {
    local = local.toUpperCase();
    domain = domain.toUpperCase();
  } else if (x < 0.3) {
    domain = domain.toUpperCase();
  }
  let e = `${local}@${domain}`;
  const y = rand();
  if (y < 0.04) e = ` ${e}`;
  else if (y < 0.08) e = `${e} `;
  else if (y < 0.1) e = ` ${e} `;
  else if (y < 0.105) e = `\t${e}`;
  return e;
}
function phoneText(c) {
  if (!c.hasPhone) return '';
  const p = c.phone;
  const x = rand();
  if (p.cc === '1') {
    const { area, exch, line } = p;
    let s;
    if (x < 0.3) s = `(${area}) ${exch}-${line}`;
    else if (x < 0.45) s = `${area}.${exch}.${line}`;
    else if (x < 0.6) s = `${area}-${exch}-${line}`;
    else if (x < 0.72) s = `+1 ${area} ${exch} ${line}`;
    else if (x < 0.82) s = `${area}${exch}${line}`;
    else if (x < 0.9) s = `1-${area}-${exch}-${line}`;
    else if (x < 0.95) s = `+1 (${area}) ${exch}-${line}`;
    else if (x < 0.98) s = `${area}-${exch}-${line} x${1 + int(rand, 999)}`;
    else s = `1${area}${exch}${line}`;
    return s;
  }
  const { cc, area, sub } = p;
  const half = Math.ceil(sub.length / 2);
  const spaced = `${sub.slice(0, half)} ${sub.slice(half)}`;
  if (x < 0.4) return `+${cc} ${area} ${spaced}`;
  if (x < 0.7) return `0${area} ${spaced}`;
  if (x < 0.8) return `+${cc} (0)${area} ${spaced}`;
  if (x < 0.9) return `00${cc} ${area} ${sub}`;
  return `+${cc}${area}${sub}`;
}
function birthText(c) {
  const { by: y, bm: m, bd: d } = c;
  if (c.country === 'DE' && rand() < 0.7) return `${pad(d, 2)}.${pad(m, 2)}.${y}`;
  const x = rand();
  if (x < 0.35) return `${y}-${pad(m, 2)}-${pad(d, 2)}`;
  if (x < 0.55) return `${m}/${d}/${y}`;
  if (x < 0.63) return `${y}/${pad(m, 2)}/${pad(d, 2)}`;
  if (x < 0.7) return `${y}${pad(m, 2)}${pad(d, 2)}`;
  if (x < 0.75) return `${d} ${MONTHS[m - 1].slice(0, 3)} ${y}`;
  if (x < 0.8) return `${MONTHS[m - 1]} ${d}, ${y}`;
  if (x < 0.84) return `${y}-${pad(m, 2)}-${pad(d, 2)}T00:00:00Z`;
  if (x < 0.845) return '0000-00-00';
  return '';
}
function stateText(c) {
  if (!c.stateCode) return '';
  const x = rand();
  if (c.country === 'DE') return x < 0.5 ? '' : x < 0.8 ? c.stateCode : c.stateName;
  if (x < 0.6) return c.stateCode;
  if (x < 0.85) return c.stateName;
  if (x < 0.95) return c.stateCode.toLowerCase();
  if (x < 0.98) return `${c.stateCode[0]}.${c.stateCode[1]}.`;
  return '';
}
function postalText(c) {
  const p = c.postal;
  if (p.text) return rand() < 0.1 ? p.text.toLowerCase().replace(' ', '') : p.text;
  const x = rand();
  if (x < 0.15) return `${p.zip}-${p.plus4}`;
  if (p.zip[0] === '0' && x < 0.5) return p.zip.replace(/^0+/, ''); // spreadsheets drop leading zeros
  if (x < 0.98) return p.zip;
  return '';
}
function cityText(c) {
  const x = rand();
  if (x < 0.85) return c.city;
  if (x < 0.92) return c.city.toUpperCase();
  if (x < 0.97) return c.city.toLowerCase();
  return '';
}
function externText(c) {
  const x = rand();
  const id = `CUST-${pad(c.id, 8)}`;
  if (x < 0.88) return id;
  if (x < 0.97) return id.toLowerCase();
  return ` ${id} `;
}
function nameText(s) {
  const x = rand();
  if (x < 0.9) return s;
  if (x < 0.95) return s.toUpperCase();
  if (x < 0.98) return ` ${s}`;
  return '';
}

// Times: spread over the 6 days before --now (at least a minute before it, so every window keeps them).
const SPAN_S = 6 * 86400 - 120;
function isoOf(ms) {
  return new Date(ms).toISOString();
}
function timestampText(ms) {
  const x = rand();
  if (x < 0.6) return isoOf(ms); // 2026-11-27T14:21:56.000Z
  if (x < 0.72) return isoOf(ms).replace('.000Z', 'Z');
  if (x < 0.8) return isoOf(ms).slice(0, 19).replace('T', ' '); // no zone = UTC
  if (x < 0.88) return String(Math.floor(ms / 1000)); // epoch seconds
  if (x < 0.92) return String(ms); // epoch milliseconds
  // with an offset, same instant
  const off = pick(rand, [60, -300, -480, 330, 120, -240]);
  const local = isoOf(ms + off * 60000).slice(0, 19);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${local}${sign}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
}
function optOutText() {
  const x = rand();
  if (x < 0.9) return '';
  if (x < 0.95) return 'false';
  if (x < 0.97) return 'true';
  if (x < 0.98) return 'yes';
  if (x < 0.99) return '0';
  return '1';
}
function money(cents, country, allowSymbol) {
  const whole = Math.floor(cents / 100);
  const frac = cents % 100;
  const x = rand();
  if (allowSymbol && country === 'US' && x < 0.1) {
    return `$${whole.toLocaleString('en-US')}.${pad(frac, 2)}`;
  }
  if (frac === 0 && x < 0.5) return String(whole);
  if (frac % 10 === 0 && x < 0.6) return `${whole}.${frac / 10}`;
  return `${whole}.${pad(frac, 2)}`;
}

// ---------------------------------------------------------------------------------------------
// Row formatting
const ORDER_COLUMNS = ['order_id', 'email', 'phone', 'given_name', 'surname', 'gender', 'birthdate', 'city', 'state', 'postal', 'country',
  'extern_id', 'timestamp', 'currency', 'order_revenue', 'quantity', 'opt_out'];
const ITEM_COLUMNS = ['order_id', 'email', 'phone', 'given_name', 'surname', 'gender', 'birthdate', 'city', 'state', 'postal', 'country',
  'extern_id', 'timestamp', 'currency', 'product_id', 'item_name', 'price', 'quantity'];
const COLUMNS = opts.kind === 'item' ? ITEM_COLUMNS : ORDER_COLUMNS;
const NEEDS_QUOTES = /[",\r\n]/;
const csvCell = (v) => (NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
/** values: the COLUMNS' values in order; numbers stay numbers in NDJSON. */
function formatRow(values) {
  if (opts.format === 'csv') {
    let line = '';
    for (let i = 0; i < values.length; i++) line += (i ? ',' : '') + csvCell(String(values[i]));
    return line + '\n';
  }
  const obj = {};
  for (let i = 0; i < values.length; i++) if (values[i] !== '') obj[COLUMNS[i]] = values[i];
  return JSON.stringify(obj) + '\n';
}

/** The per-order (order-level: per-row) fields every row of the order repeats. */
function orderHeader(orderNo) {
  const c = customer(int(rand, NUM_CUSTOMERS));
  const ms = nowMs - 60_000 - Math.floor(rand() * SPAN_S * 1000);
  let dirty = '';
  const d = rand();
  const q = opts.dirtyRate / 4;
  if (d < q) dirty = 'timestamp';
  else if (d < 2 * q) dirty = 'currency';
  else if (d < 3 * q) dirty = 'email';
  else if (d < 4 * q) dirty = 'negative';
  let currency = CURRENCY[c.country];
  if (rand() < 0.08) currency = currency.toLowerCase();
  if (dirty === 'currency') currency = 'XXX';
  return {
    c,
    dirty,
    prefix: [
      `A-${10_000_000 + orderNo}`,
      dirty === 'email' ? '' : emailText(c),
      phoneText(c),
      nameText(c.given),
      nameText(c.surname),
      pick(rand, GENDER_TEXT[c.gender]),
      birthText(c),
      cityText(c),
      stateText(c),
      postalText(c),
      COUNTRY_TEXT[c.country](rand),
      externText(c),
      dirty === 'timestamp' ? pick(rand, BAD_TIMESTAMPS) : timestampText(ms),
      currency,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Output with backpressure: ~1 MiB chunks.
const tmpPath = `${outPath}.partial-${process.pid}`;
process.on('exit', () => rmSync(tmpPath, { force: true }));
mkdirSync(path.dirname(outPath), { recursive: true });
const file = createWriteStream(tmpPath, { highWaterMark: 1 << 20 });
const sink = opts.gzip ? zlib.createGzip({ level: 6 }) : file;
if (opts.gzip) sink.pipe(file);
let chunk = '';
let rawBytes = 0;
/** Appends a line; true when the chunk is full and must be flushed (await flush()). */
function add(line) {
  chunk += line;
  return chunk.length >= 1 << 20;
}
async function flush() {
  if (chunk.length === 0) return;
  const buf = Buffer.from(chunk, 'utf8');
  rawBytes += buf.length;
  chunk = '';
  if (!sink.write(buf)) await once(sink, 'drain');
}

const started = Date.now();
const stats = { rows: 0, orders: 0, dirtyOrders: { timestamp: 0, currency: 0, email: 0, negative: 0 }, duplicateRows: 0,
  negativeItemRows: 0, deferredRows: 0, maxOrderSpread: 0 };
let expectedRejectedRows = 0;
let expectedEvents = 0;

if (opts.format === 'csv') add(COLUMNS.join(',') + '\n');

if (opts.kind === 'order') {
  // One row per order; dupRate of the rows repeat a recent order's row (a join fan-out), a few
  // hundred rows later at most.
  const ring = [];
  let orderNo = 0;
  while (stats.rows < opts.rows) {
    if (ring.length > 0 && rand() < opts.dupRate) {
      const prev = ring[int(rand, ring.length)];
      if (add(prev.line)) await flush();
      stats.duplicateRows++;
      if (prev.dirty) expectedRejectedRows++;
    } else {
      const h = orderHeader(orderNo++);
      stats.orders++;
      const { c } = h;
      const cents = Math.round(Math.exp(6.5 + rand() * 5)); // $6.65 … $982, log-uniform
      let revenue = money(cents, c.country, true);
      if (h.dirty === 'negative') revenue = `-${money(cents, c.country, false)}`;
      const line = formatRow([...h.prefix, revenue, String(1 + int(rand, 5)), optOutText()]);
      if (add(line)) await flush();
      if (h.dirty) {
        stats.dirtyOrders[h.dirty]++;
        expectedRejectedRows++;
      } else expectedEvents++;
      if (ring.length < 256) ring.push({ line, dirty: h.dirty });
      else ring[int(rand, 256)] = { line, dirty: h.dirty };
    }
    stats.rows++;
  }
} else {
  // Item-level: orders of 1–5 items; a pool of 64 open orders emits rows in random order, so the
  // rows of an order are interleaved with others; 1% of multi-item orders have their last item
  // deferred far (5%–30% of the file) later. Exactly --rows rows.
  const POOL = 64;
  const pool = [];
  const heap = []; // deferred rows, min-heap by due row index
  const heapPush = (e) => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p].due <= heap[i].due) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const heapPop = () => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l].due < heap[m].due) m = l;
        if (r < heap.length && heap[r].due < heap[m].due) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  let allocated = 0;
  let orderNo = 0;
  const newOrder = () => {
    const h = orderHeader(orderNo++);
    const n = Math.min(1 + int(rand, 5), opts.rows - allocated);
    allocated += n;
    stats.orders++;
    if (h.dirty && h.dirty !== 'negative') stats.dirtyOrders[h.dirty]++;
    const o = { h, left: n, total: n, good: 0, firstRow: -1, deferLast: n >= 2 && rand() < 0.01 };
    return o;
  };
  const itemRow = (o) => {
    const p = PRODUCTS[int(rand, PRODUCTS.length)];
    const qty = rand() < 0.7 ? 1 : rand() < 0.67 ? 2 : 3 + int(rand, 3);
    const negative = !o.h.dirty || o.h.dirty === 'negative' ? rand() < opts.dirtyRate / 4 : false;
    let price = money(p.cents, o.h.c.country, true);
    if (negative) price = `-${money(p.cents, o.h.c.country, false)}`;
    let priceVal = price;
    let qtyVal = String(qty);
    if (opts.format === 'ndjson') {
      if (!price.includes('$') && rand() < 0.6) priceVal = Number(price);
      if (rand() < 0.8) qtyVal = qty;
    }
    return { line: formatRow([...o.h.prefix, p.id, p.name, priceVal, qtyVal]), negative };
  };
  const finishRow = (o, negative) => {
    // Expected counts: rows of an order rejected whole (timestamp, currency, email) or a negative price row.
    const wholeBad = o.h.dirty && o.h.dirty !== 'negative';
    if (wholeBad) expectedRejectedRows++;
    else if (negative) {
      expectedRejectedRows++;
      stats.negativeItemRows++;
    } else o.good++;
  };
  const closeOrder = (o) => {
    if (!(o.h.dirty && o.h.dirty !== 'negative') && o.good > 0) expectedEvents++;
  };
  while (allocated < opts.rows && pool.length < POOL) pool.push(newOrder());
  while (pool.length > 0 || heap.length > 0) {
    if (heap.length > 0 && (heap[0].due <= stats.rows || pool.length === 0)) {
      const e = heapPop();
      if (add(e.line)) await flush();
      finishRow(e.o, e.negative);
      stats.maxOrderSpread = Math.max(stats.maxOrderSpread, stats.rows - e.o.firstRow);
      stats.rows++;
      closeOrder(e.o);
      continue;
    }
    const slot = int(rand, pool.length);
    const o = pool[slot];
    const { line, negative } = itemRow(o);
    o.left--;
    if (o.left === 0 && o.deferLast) {
      const due = stats.rows + Math.floor(opts.rows * (0.05 + rand() * 0.25));
      heapPush({ due, line, negative, o });
      stats.deferredRows++;
    } else {
      if (add(line)) await flush();
      if (o.firstRow < 0) o.firstRow = stats.rows;
      finishRow(o, negative);
      stats.maxOrderSpread = Math.max(stats.maxOrderSpread, stats.rows - o.firstRow);
      stats.rows++;
      if (o.left === 0) closeOrder(o);
    }
    if (o.left === 0) {
      if (allocated < opts.rows) pool[slot] = newOrder();
      else pool.splice(slot, 1);
    }
  }
}
await flush();
sink.end();
await finished(file);
renameSync(tmpPath, outPath);
const bytes = statSync(outPath).size;
const meta = {
  generatorVersion: GENERATOR_VERSION,
  kind: opts.kind,
  format: opts.format,
  gzip: opts.gzip,
  rows: opts.rows,
  seed: opts.seed,
  now: opts.now,
  dirtyRate: opts.dirtyRate,
  dupRate: opts.kind === 'order' ? opts.dupRate : 0,
  bytes,
  rawBytes,
  columns: COLUMNS,
  stats,
  expected: {
    rowsRead: opts.rows,
    eventsBuilt: expectedEvents,
    rowsRejected: expectedRejectedRows,
    rowsExcluded: 0,
    note: 'rejected = rows with a bad timestamp, XXX currency, no email (whole order) or a negative value; all times are inside the 7- and 30-day windows',
  },
  seconds: (Date.now() - started) / 1000,
};
writeFileSync(metaPath(outPath), JSON.stringify(meta, null, 2) + '\n');
if (!opts.quiet) {
  process.stderr.write(
    `wrote ${outPath}: ${opts.rows.toLocaleString('en-US')} rows, ${stats.orders.toLocaleString('en-US')} orders, ` +
      `${(bytes / 1e6).toFixed(1)} MB${opts.gzip ? ` (${(rawBytes / 1e6).toFixed(1)} MB raw)` : ''} in ${meta.seconds.toFixed(1)} s; ` +
      `expected events ${expectedEvents.toLocaleString('en-US')}, rejected rows ${expectedRejectedRows.toLocaleString('en-US')}\n`,
  );
}
