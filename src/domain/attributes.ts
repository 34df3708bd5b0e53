// Agent attributes: Mesos `--attributes` text syntax (`rack:r1;level:10;keys:[1000-1500]`).
// Attributes are labels, not quantities: no merging, duplicates are rejected,
// order is kept as given.
import { TsmesosError } from './errors.js';
import { coalesceRanges, formatRanges, parseRangeText, showText } from './resources.js';
import type { ValueRange } from './resources.js';

export type Attribute =
  | { name: string; type: 'TEXT'; text: { value: string } }
  | { name: string; type: 'SCALAR'; scalar: { value: number } }
  | { name: string; type: 'RANGES'; ranges: { range: ValueRange[] } };

const NAME_RE = /^[A-Za-z0-9_./-]+$/;
const TEXT_RE = /^[A-Za-z0-9_/.-]+$/;
const NUMBER_RE = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

function fail(message: string): never {
  throw new TsmesosError('BAD_REQUEST', message);
}

function parseAttribute(token: string): Attribute {
  const complain = (reason: string): never => fail(`invalid attribute '${showText(token)}': ${reason}`);
  const colon = token.indexOf(':');
  if (colon < 0) complain('missing \':\'; expected name:value');
  const name = token.slice(0, colon).trim();
  const value = token.slice(colon + 1).trim();
  if (name === '') complain('name must not be empty');
  if (!NAME_RE.test(name)) complain(`name '${showText(name, 40)}' must match [A-Za-z0-9_./-]+`);
  if (value === '') complain('value must not be empty');
  if (value.startsWith('[')) {
    return { name, type: 'RANGES', ranges: { range: coalesceRanges(parseRangeText(value, complain)) } };
  }
  if (NUMBER_RE.test(value)) {
    const n = Number(value);
    if (!Number.isFinite(n)) complain(`value '${showText(value, 40)}' is out of range`);
    return { name, type: 'SCALAR', scalar: { value: n } };
  }
  if (!TEXT_RE.test(value)) {
    complain(`value '${showText(value, 40)}' must be text [a-zA-Z0-9_/.-]+, a number or a range list [a-b,...]`);
  }
  return { name, type: 'TEXT', text: { value } };
}

/** Parse `--attributes`. Empty text gives []. Duplicate names are rejected. */
export function parseAttributes(text: string): Attribute[] {
  const out: Attribute[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(';')) {
    const token = raw.trim();
    if (token === '') continue;
    const attr = parseAttribute(token);
    if (seen.has(attr.name)) {
      fail(`invalid attributes: duplicate attribute '${showText(attr.name, 40)}'; each name may appear once`);
    }
    seen.add(attr.name);
    out.push(attr);
  }
  return out;
}

function formatValue(a: Attribute, sep: string): string | number {
  switch (a.type) {
    case 'TEXT': return a.text.value;
    case 'SCALAR': return a.scalar.value;
    case 'RANGES': return formatRanges(a.ranges.range, sep);
  }
}

/** Mesos' legacy flat JSON: `{"rack":"r1","level":10,"keys":"[1000-1500]"}`. */
export function attributesToLegacyJson(attrs: readonly Attribute[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of attrs) {
    Object.defineProperty(out, a.name, {
      value: formatValue(a, ', '), enumerable: true, writable: true, configurable: true,
    });
  }
  return out;
}

/** Text syntax; parseAttributes(attributesToString(x)) gives x back. */
export function attributesToString(attrs: readonly Attribute[]): string {
  return attrs.map((a) => `${a.name}:${formatValue(a, ',')}`).join(';');
}
