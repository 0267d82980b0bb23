#!/usr/bin/env node
// Derives the JSON Schemas pinconv validates against from ../shared/pinterest/ (Pinterest's
// OpenAPI 5.23.0, refs inlined) into src/pinterest/schema/, so that tests and the sandbox run
// without ../shared. Descriptions and examples are dropped; every constraint is kept.
// Usage: node scripts/derive-schema.mjs [SHARED_PINTEREST_DIR]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = process.argv[2] ?? join(root, '..', 'shared', 'pinterest');
const to = join(root, 'src', 'pinterest', 'schema');
const DROP = new Set(['description', 'examples', 'title']);

function strip(node) {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    // "properties" maps names to schemas: a property may be called "description".
    if (DROP.has(key) && typeof value !== 'object') continue;
    if (key === 'examples') continue;
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v)])) : strip(value);
  }
  return out;
}

for (const name of ['conversion-events.request.schema.json', 'conversion-events.response.schema.json']) {
  const schema = JSON.parse(readFileSync(join(from, name), 'utf8'));
  const derived = strip(schema);
  derived.$comment = `Derived by scripts/derive-schema.mjs from shared/pinterest/${name}; ${schema.$comment ?? ''}`.trim();
  writeFileSync(join(to, name), JSON.stringify(derived, null, 1) + '\n');
  console.log(`wrote ${join('src/pinterest/schema', name)}`);
}
