// Agent resources: the Mesos `--resources` text syntax, the v1 JSON form, and an
// immutable normalized value type with the arithmetic the allocator needs.
//
// Normal form (what every Resources instance holds):
//   - one entry per (name, role, type, reservation stack);
//   - scalars rounded to 3 decimals (Mesos fixed point), arithmetic done in
//     integer thousandths so 0.1 + 0.2 == 0.3;
//   - ranges sorted and coalesced ([1-5,6-10] -> [1-10]);
//   - set items deduplicated and sorted;
//   - zero scalars, empty range lists and empty sets dropped;
//   - entries ordered by name, then role, then type, then reservation stack.
//
// Reservations: `role` is always the role the resource is reserved to ('*' when unreserved).
// A static reservation (`cpus(eng):2`) is `role` alone. A dynamic one (RESERVE) also carries
// `reservations`, the Mesos refinement stack bottom to top, whose top layer is DYNAMIC with the
// same role; a stack that says no more than `role` does (one STATIC layer) is dropped, so a
// static reservation has one spelling. Entries with different stacks never merge.
//
// All parsing is linear in the input: anchored regexes without nested
// quantifiers, splits on single characters, no backtracking-prone patterns.
import { TsmesosError } from './errors.js';

export interface ValueRange { begin: number; end: number }

export interface ReservationLabel { key: string; value?: string }

/** One layer of a reservation stack (Mesos Resource.ReservationInfo, post-refinement). */
export interface Reservation {
  type: 'STATIC' | 'DYNAMIC';
  role: string;
  principal?: string;
  labels?: ReservationLabel[];
}

interface Reserved {
  /** Bottom to top; present only for dynamic reservations (see the header). */
  reservations?: Reservation[];
}

export type Resource =
  | ({ name: string; type: 'SCALAR'; scalar: { value: number }; role: string } & Reserved)
  | ({ name: string; type: 'RANGES'; ranges: { range: ValueRange[] }; role: string } & Reserved)
  | ({ name: string; type: 'SET'; set: { item: string[] }; role: string } & Reserved);

type ResourceType = Resource['type'];

const NAME_RE = /^[A-Za-z0-9_./-]+$/;
// '*' or a role path: segments separated by '/' (hierarchical roles, `eng/web`), each not
// starting with '.' or '-' (which also excludes '.' and '..').
const ROLE_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;
const SET_ITEM_RE = /^[A-Za-z0-9_./:@+=~-]+$/;
const SCALAR_RE = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const INTEGER_RE = /^[0-9]+$/;

/** Largest scalar whose thousandths still fit in a safe integer. */
export const MAX_SCALAR = Math.floor(Number.MAX_SAFE_INTEGER / 1000);
/** Range bounds are integers in 0..2^53 (Mesos uses uint64; JS numbers are exact up to here). */
export const MAX_RANGE_BOUND = 2 ** 53;
const MAX_RANGE_BOUND_BIG = 2n ** 53n;
/** Entries accepted in one JSON resource list. */
export const MAX_RESOURCE_ENTRIES = 1000;

/** Well-known names whose type is fixed (Mesos validates these the same way). */
const FIXED_TYPES: ReadonlyMap<string, ResourceType> = new Map<string, ResourceType>([
  ['cpus', 'SCALAR'],
  ['mem', 'SCALAR'],
  ['disk', 'SCALAR'],
  ['gpus', 'SCALAR'],
  ['ports', 'RANGES'],
]);

const TYPE_WORD: Readonly<Record<ResourceType, string>> = {
  SCALAR: 'a scalar number',
  RANGES: 'a range list [a-b,...]',
  SET: 'a set {a,b}',
};

function fail(message: string): never {
  throw new TsmesosError('BAD_REQUEST', message);
}

/** Quote user text in a message: one line, bounded length. */
export function showText(s: string, max = 80): string {
  const flat = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, '?');
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function roundScalar(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function toMillis(v: number): number {
  return Math.round(v * 1000);
}

// ---------------------------------------------------------------------------
// Shared value helpers (also used by attributes.ts)

/** Validate a role name; returns an error reason or undefined. */
export function roleError(role: string): string | undefined {
  if (role === '*') return undefined;
  if (role === '') return 'role must not be empty';
  if (!ROLE_RE.test(role)) {
    return `role '${showText(role)}' must be '*' or '/'-separated segments of [A-Za-z0-9_.-]+, none starting with '.' or '-'`;
  }
  return undefined;
}

/** Parse a range bound: decimal digits, 0..2^53. Returns undefined when invalid. */
function parseBound(s: string): number | undefined {
  if (!INTEGER_RE.test(s)) return undefined;
  if (s.length > 20 || BigInt(s) > MAX_RANGE_BOUND_BIG) return undefined;
  return Number(s);
}

/** Sort and coalesce adjacent/overlapping ranges (input not mutated). */
export function coalesceRanges(ranges: readonly ValueRange[]): ValueRange[] {
  const sorted = ranges.map((r) => ({ begin: r.begin, end: r.end }));
  sorted.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const out: ValueRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.begin <= last.end + 1) {
      if (r.end > last.end) last.end = r.end;
    } else {
      out.push(r);
    }
  }
  return out;
}

/** `[a-b<sep>c-d]`; Mesos' own stringification uses ', '. */
export function formatRanges(ranges: readonly ValueRange[], sep = ','): string {
  return `[${ranges.map((r) => `${r.begin}-${r.end}`).join(sep)}]`;
}

function formatSet(items: readonly string[], sep = ','): string {
  return `{${items.join(sep)}}`;
}

/** The text between `open` (at index 0) and its `close`, which must end `value`; no nesting. */
function bracketBody(value: string, open: string, close: string, noun: string, complain: (reason: string) => never): string {
  const end = value.indexOf(close);
  if (end < 0) complain(`unterminated ${noun}: missing '${close}'`);
  if (end !== value.length - 1) complain(`unexpected text '${showText(value.slice(end + 1), 20)}' after '${close}'`);
  const inner = value.slice(1, end);
  if (inner.includes(open)) complain(`nested '${open}' in ${noun}`);
  return inner;
}

/**
 * Parse `[a-b,c-d]` (whitespace tolerated). `complain(reason)` must throw.
 * Returns the ranges as given (validated, not coalesced).
 */
export function parseRangeText(value: string, complain: (reason: string) => never): ValueRange[] {
  if (!value.startsWith('[')) complain('a range list must start with \'[\'');
  const inner = bracketBody(value, '[', ']', 'range list', complain);
  if (inner.trim() === '') return [];
  const out: ValueRange[] = [];
  for (const part of inner.split(',')) {
    const item = part.trim();
    const dash = item.indexOf('-');
    const begin = dash < 0 ? undefined : parseBound(item.slice(0, dash).trim());
    const end = dash < 0 ? undefined : parseBound(item.slice(dash + 1).trim());
    if (begin === undefined || end === undefined) {
      complain(`range '${showText(item, 40)}' must be begin-end with integers 0..2^53`);
    }
    if (begin > end) complain(`range '${showText(item, 40)}' is inverted: begin must be <= end`);
    out.push({ begin, end });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Text syntax

function parseSetText(value: string, complain: (reason: string) => never): string[] {
  const inner = bracketBody(value, '{', '}', 'set', complain);
  if (inner.trim() === '') return [];
  return inner.split(',').map((part) => {
    const item = part.trim();
    if (!SET_ITEM_RE.test(item)) {
      complain(`set item '${showText(item, 40)}' must match [A-Za-z0-9_./:@+=~-]+`);
    }
    return item;
  });
}

function parseToken(token: string, defaultRole: string): Resource {
  const complain = (reason: string): never => fail(`invalid resource '${showText(token)}': ${reason}`);
  const colon = token.indexOf(':');
  if (colon < 0) complain('missing \':\'; expected name[(role)]:value');
  const head = token.slice(0, colon).trim();
  const value = token.slice(colon + 1).trim();

  let name = head;
  let role = defaultRole;
  const open = head.indexOf('(');
  if (open >= 0) {
    if (!head.endsWith(')') || head.indexOf(')') !== head.length - 1) {
      complain('role must be written as name(role)');
    }
    name = head.slice(0, open).trim();
    role = head.slice(open + 1, -1).trim();
    const bad = roleError(role);
    if (bad !== undefined) complain(bad);
  } else if (head.includes(')')) {
    complain('unbalanced \')\' in name');
  }
  if (name === '') complain('name must not be empty');
  if (!NAME_RE.test(name)) complain(`name '${showText(name, 40)}' must match [A-Za-z0-9_./-]+`);
  if (value === '') complain('value must not be empty');

  let res: Resource;
  if (value.startsWith('[')) {
    res = { name, type: 'RANGES', ranges: { range: parseRangeText(value, complain) }, role };
  } else if (value.startsWith('{')) {
    res = { name, type: 'SET', set: { item: parseSetText(value, complain) }, role };
  } else {
    if (value.startsWith('-') && SCALAR_RE.test(value.slice(1))) complain('value must not be negative');
    if (!SCALAR_RE.test(value)) {
      complain(`value '${showText(value, 40)}' must be a number, a range list [a-b,...] or a set {a,b}`);
    }
    const n = Number(value);
    if (!Number.isFinite(n) || n > MAX_SCALAR) complain(`value must be at most ${MAX_SCALAR}`);
    res = { name, type: 'SCALAR', scalar: { value: roundScalar(n) }, role };
  }
  checkWellKnown(res, complain);
  return res;
}

function checkWellKnown(res: Resource, complain: (reason: string) => never): void {
  const want = FIXED_TYPES.get(res.name);
  if (want !== undefined && want !== res.type) complain(`'${res.name}' must be ${TYPE_WORD[want]}`);
  if (res.name === 'gpus' && res.type === 'SCALAR' && !Number.isInteger(res.scalar.value)) {
    complain('gpus must be a whole number');
  }
}

function checkConsistentTypes(list: readonly Resource[], where: string): void {
  const seen = new Map<string, ResourceType>();
  for (const r of list) {
    const prev = seen.get(r.name);
    if (prev !== undefined && prev !== r.type) {
      fail(`invalid ${where}: resource '${showText(r.name, 40)}' given as both ${prev} and ${r.type}; one name must have one type`);
    }
    seen.set(r.name, r.type);
  }
}

function looksLikeJsonArray(text: string): boolean {
  const t = text.trimStart();
  if (!t.startsWith('[')) return false;
  const rest = t.slice(1).trimStart();
  return rest.startsWith('{') || rest.startsWith(']');
}

/**
 * Parse `--resources`: Mesos text syntax (`cpus:2;mem(role):1024;ports:[31000-32000]`)
 * or a JSON array of v1 Resource objects. Returns the normalized list.
 */
export function parseResources(text: string, defaultRole = '*'): Resource[] {
  const badRole = roleError(defaultRole);
  if (badRole !== undefined) fail(`invalid default role: ${badRole}`);
  let list: Resource[];
  if (looksLikeJsonArray(text)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      fail(`invalid resources JSON: ${showText(e instanceof Error ? e.message : String(e))}`);
    }
    list = parseList(json, 'resources', defaultRole);
  } else {
    list = [];
    for (const raw of text.split(';')) {
      const token = raw.trim();
      if (token !== '') list.push(parseToken(token, defaultRole));
    }
    checkConsistentTypes(list, 'resources');
  }
  return normalize(list);
}

// ---------------------------------------------------------------------------
// JSON (v1 Resource[])

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonBound(v: unknown): number | undefined {
  if (typeof v === 'number') {
    return Number.isInteger(v) && v >= 0 && v <= MAX_RANGE_BOUND ? v : undefined;
  }
  if (typeof v === 'string') return parseBound(v);
  return undefined;
}

function parseList(value: unknown, where: string, defaultRole: string): Resource[] {
  if (!Array.isArray(value)) fail(`invalid ${where}: expected an array of resources`);
  if (value.length > MAX_RESOURCE_ENTRIES) {
    fail(`invalid ${where}: ${value.length} entries; at most ${MAX_RESOURCE_ENTRIES} are accepted`);
  }
  const out: Resource[] = [];
  value.forEach((item: unknown, i) => {
    out.push(parseEntry(item, `${where}[${i}]`, defaultRole));
  });
  checkConsistentTypes(out, where);
  return out;
}

function parseEntry(item: unknown, at: string, defaultRole: string): Resource {
  function bad(field: string, reason: string): never {
    return fail(`invalid ${at}${field}: ${reason}`);
  }
  if (!isRecord(item)) bad('', 'expected an object with name, type and value');
  const name = item['name'];
  if (typeof name !== 'string' || name === '') bad('.name', 'must be a non-empty string');
  if (!NAME_RE.test(name)) bad('.name', `'${showText(name, 40)}' must match [A-Za-z0-9_./-]+`);
  let role = defaultRole;
  const rawRole = item['role'];
  if (rawRole !== undefined && rawRole !== null) {
    if (typeof rawRole !== 'string') bad('.role', 'must be a string');
    const why = roleError(rawRole);
    if (why !== undefined) bad('.role', why);
    role = rawRole;
  }
  const type = item['type'];
  let res: Resource;
  if (type === 'SCALAR') {
    const scalar = item['scalar'];
    const v = isRecord(scalar) ? scalar['value'] : undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_SCALAR) {
      bad('.scalar.value', `must be a finite number in 0..${MAX_SCALAR}`);
    }
    res = { name, type, scalar: { value: roundScalar(v) }, role };
  } else if (type === 'RANGES') {
    const ranges = item['ranges'];
    if (!isRecord(ranges)) bad('.ranges', 'must be an object {range: [{begin, end}, ...]}');
    const list = ranges['range'] ?? [];
    if (!Array.isArray(list)) bad('.ranges.range', 'must be an array of {begin, end}');
    const range = list.map((r: unknown, j): ValueRange => {
      const f = `.ranges.range[${j}]`;
      if (!isRecord(r)) bad(f, 'must be an object {begin, end}');
      const begin = jsonBound(r['begin']);
      const end = jsonBound(r['end']);
      if (begin === undefined || end === undefined) bad(f, 'begin and end must be integers in 0..2^53');
      if (begin > end) bad(f, `inverted range ${begin}-${end}: begin must be <= end`);
      return { begin, end };
    });
    res = { name, type, ranges: { range }, role };
  } else if (type === 'SET') {
    const set = item['set'];
    if (!isRecord(set)) bad('.set', 'must be an object {item: [...]}');
    const list = set['item'] ?? [];
    if (!Array.isArray(list)) bad('.set.item', 'must be an array of strings');
    const items = list.map((s: unknown, j): string => {
      if (typeof s !== 'string' || !SET_ITEM_RE.test(s)) {
        bad(`.set.item[${j}]`, 'must be a string matching [A-Za-z0-9_./:@+=~-]+');
      }
      return s;
    });
    res = { name, type, set: { item: items }, role };
  } else {
    bad('.type', 'must be one of SCALAR, RANGES, SET');
  }
  checkWellKnown(res, (reason) => bad('', reason));
  return withReservations(res, item, rawRole !== undefined && rawRole !== null, bad);
}

const MAX_RESERVATION_LAYERS = 64;
const MAX_RESERVATION_LABELS = 256;
const MAX_PRINCIPAL = 1024;
const MAX_LABEL_TEXT = 4096;

function parseLabels(value: unknown, field: string, bad: (field: string, reason: string) => never): ReservationLabel[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = isRecord(value) ? value['labels'] ?? [] : undefined;
  if (!Array.isArray(list)) bad(field, 'must be an object {labels: [{key, value}, ...]}');
  if (list.length > MAX_RESERVATION_LABELS) bad(field, `at most ${MAX_RESERVATION_LABELS} labels`);
  const out = list.map((l: unknown, i): ReservationLabel => {
    const at = `${field}.labels[${i}]`;
    if (!isRecord(l)) bad(at, 'must be an object {key, value}');
    const key = l['key'];
    const val = l['value'];
    if (typeof key !== 'string' || key.length > MAX_LABEL_TEXT) bad(`${at}.key`, `must be a string of at most ${MAX_LABEL_TEXT} characters`);
    if (val !== undefined && val !== null && (typeof val !== 'string' || val.length > MAX_LABEL_TEXT)) bad(`${at}.value`, `must be a string of at most ${MAX_LABEL_TEXT} characters`);
    return typeof val === 'string' ? { key, value: val } : { key };
  });
  return out.length > 0 ? out : undefined;
}

function parsePrincipal(value: unknown, field: string, bad: (field: string, reason: string) => never): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > MAX_PRINCIPAL) bad(field, `must be a string of at most ${MAX_PRINCIPAL} characters`);
  return value;
}

/**
 * A JSON resource's reservation, in either Mesos format: pre-refinement `role` (+ `reservation`
 * for a dynamic one) or the refinement stack `reservations` (validated as Mesos
 * Resources::validate does: first layer STATIC or DYNAMIC, the rest DYNAMIC, each a strict sub-role).
 */
function withReservations(res: Resource, item: Record<string, unknown>, roleGiven: boolean, bad: (field: string, reason: string) => never): Resource {
  const stackRaw = item['reservations'];
  const single = item['reservation'];
  const hasStack = Array.isArray(stackRaw) && stackRaw.length > 0;
  if (stackRaw !== undefined && stackRaw !== null && !Array.isArray(stackRaw)) bad('.reservations', 'must be an array of ReservationInfo');
  if (!hasStack) {
    if (single === undefined || single === null) return res;
    if (!isRecord(single)) bad('.reservation', 'must be an object {principal, labels}');
    if (single['type'] !== undefined && single['type'] !== null) bad('.reservation.type', "must not be set for the 'Resource.reservation' field");
    if (single['role'] !== undefined && single['role'] !== null) bad('.reservation.role', "must not be set for the 'Resource.reservation' field");
    if (res.role === '*') bad('.reservation', "role '*' cannot be dynamically reserved");
    return canonicalStack(res, [layer('DYNAMIC', res.role, single, '.reservation', bad)]);
  }
  if (stackRaw.length > MAX_RESERVATION_LAYERS) bad('.reservations', `at most ${MAX_RESERVATION_LAYERS} reservations`);
  const stack = stackRaw.map((raw: unknown, i): Reservation => {
    const at = `.reservations[${i}]`;
    if (!isRecord(raw)) bad(at, 'must be an object {type, role, principal, labels}');
    const type = raw['type'];
    if (type !== 'STATIC' && type !== 'DYNAMIC') bad(`${at}.type`, 'must be STATIC or DYNAMIC');
    const role = raw['role'];
    if (typeof role !== 'string') bad(`${at}.role`, 'must be set');
    if (role === '*') bad(`${at}.role`, "role '*' cannot be reserved");
    const why = roleError(role);
    if (why !== undefined) bad(`${at}.role`, why);
    return layer(type, role, raw, at, bad);
  });
  const why = stackError(stack);
  if (why !== undefined) bad('.reservations', why);
  const top = stack[stack.length - 1]!;
  if (roleGiven && res.role !== top.role) {
    bad('.role', `'${showText(res.role)}' does not match the role '${showText(top.role)}' in 'reservations'`);
  }
  if (single !== undefined && single !== null && (stack.length !== 1 || top.type !== 'DYNAMIC')) {
    bad('.reservation', "must not be set unless 'reservations' holds exactly one DYNAMIC reservation");
  }
  return canonicalStack({ ...res, role: top.role }, stack);
}

function layer(type: Reservation['type'], role: string, raw: Record<string, unknown>, at: string, bad: (field: string, reason: string) => never): Reservation {
  const principal = parsePrincipal(raw['principal'], `${at}.principal`, bad);
  const labels = parseLabels(raw['labels'], `${at}.labels`, bad);
  return { type, role, ...(principal !== undefined ? { principal } : {}), ...(labels !== undefined ? { labels } : {}) };
}

/** Why a reservation stack is malformed (Mesos refinement rules), or undefined. */
function stackError(stack: readonly Reservation[]): string | undefined {
  for (let i = 0; i < stack.length; i++) {
    const r = stack[i]!;
    if (r.role === '*' || roleError(r.role) !== undefined) return `reservation ${i}: role '${showText(String(r.role))}' cannot be reserved`;
    if (r.type !== 'STATIC' && r.type !== 'DYNAMIC') return `reservation ${i}: type must be STATIC or DYNAMIC`;
    if (i === 0) continue;
    if (r.type === 'STATIC') return `reservation ${i}: a refined reservation cannot be STATIC`;
    const parent = stack[i - 1]!.role;
    if (!r.role.startsWith(`${parent}/`)) return `reservation ${i}: role '${showText(r.role)}' is not a refinement of '${showText(parent)}'`;
  }
  return undefined;
}

/** Drops a stack that says no more than `role` (one plain STATIC layer), so each reservation has one spelling. */
function canonicalStack(res: Resource, stack: Reservation[]): Resource {
  const { reservations: _drop, ...plain } = res;
  return isTrivialStack(stack) ? plain : { ...plain, reservations: stack };
}

/**
 * Validate a v1 JSON Resource[] from an HTTP body. `where` names the field in
 * error messages. Missing role means '*'; reservations are read in either format
 * (`role` + `reservation`, or `reservations`); other fields (allocation_info, ...)
 * are ignored. Returns the normalized list.
 */
export function parseResourceList(value: unknown, where: string): Resource[] {
  return normalize(parseList(value, where, '*'));
}

// ---------------------------------------------------------------------------
// Normalization and arithmetic

type Acc = { name: string; role: string; reservations?: Reservation[] } & (
  | { type: 'SCALAR'; millis: number }
  | { type: 'RANGES'; ranges: ValueRange[] }
  | { type: 'SET'; items: Set<string> });

/** Identity of a reservation stack ('' for static or unreserved): layers, principals and labels in order. */
function stackKeyOf(stack: readonly Reservation[] | undefined): string {
  if (stack === undefined || isTrivialStack(stack)) return '';
  return JSON.stringify(stack.map((l) => [l.type, l.role, l.principal ?? null, (l.labels ?? []).map((x) => [x.key, x.value ?? null])]));
}

function keyOf(r: { name: string; role: string; type: ResourceType; reservations?: readonly Reservation[] }): string {
  return `${r.type}\u0000${r.role}\u0000${r.name}\u0000${stackKeyOf(r.reservations)}`;
}

function cloneStack(stack: readonly Reservation[]): Reservation[] {
  return stack.map((l) => ({
    type: l.type, role: l.role,
    ...(l.principal !== undefined ? { principal: l.principal } : {}),
    ...(l.labels !== undefined ? { labels: l.labels.map((x) => (x.value !== undefined ? { key: x.key, value: x.value } : { key: x.key })) } : {}),
  }));
}

/** `{reservations}` to spread into an entry: nothing for static or unreserved ones. */
function stackPart(stack: readonly Reservation[] | undefined): Reserved {
  return stack === undefined || isTrivialStack(stack) ? {} : { reservations: cloneStack(stack) };
}

/** A stack that says no more than `role` does: none, or one plain STATIC layer. */
function isTrivialStack(stack: readonly Reservation[] | undefined): boolean {
  if (stack === undefined || stack.length === 0) return true;
  const only = stack[0]!;
  return stack.length === 1 && only.type === 'STATIC' && only.principal === undefined && only.labels === undefined;
}

function checkShape(r: Resource): void {
  const where = `resource '${showText(String(r.name), 40)}'`;
  if (typeof r.name !== 'string' || r.name === '') fail(`invalid ${where}: name must be a non-empty string`);
  if (typeof r.role !== 'string' || roleError(r.role) !== undefined) {
    fail(`invalid ${where}: role must be '*' or a valid role name`);
  }
  if (r.reservations !== undefined && r.reservations.length > 0) {
    if (!Array.isArray(r.reservations) || r.reservations.length > MAX_RESERVATION_LAYERS) fail(`invalid ${where}: reservations must be an array of at most ${MAX_RESERVATION_LAYERS}`);
    const why = stackError(r.reservations);
    if (why !== undefined) fail(`invalid ${where}: ${why}`);
    if (r.reservations[r.reservations.length - 1]!.role !== r.role) fail(`invalid ${where}: role must be the role of its top reservation`);
  }
  if (r.type === 'SCALAR') {
    const v = r.scalar.value;
    if (!Number.isFinite(v) || v < 0 || v > MAX_SCALAR) fail(`invalid ${where}: scalar must be a finite number in 0..${MAX_SCALAR}`);
  } else if (r.type === 'RANGES') {
    for (const x of r.ranges.range) {
      if (!Number.isInteger(x.begin) || !Number.isInteger(x.end) || x.begin < 0 || x.end > MAX_RANGE_BOUND || x.begin > x.end) {
        fail(`invalid ${where}: range ${x.begin}-${x.end} must have integer bounds in 0..2^53 with begin <= end`);
      }
    }
  } else if (r.type === 'SET') {
    for (const s of r.set.item) if (typeof s !== 'string' || s === '') fail(`invalid ${where}: set items must be non-empty strings`);
  } else {
    fail(`invalid ${where}: type must be one of SCALAR, RANGES, SET`);
  }
}

function accumulate(map: Map<string, Acc>, r: Resource): void {
  const key = keyOf(r);
  const cur = map.get(key);
  const head = r.reservations === undefined ? { name: r.name, role: r.role } : { name: r.name, role: r.role, ...stackPart(r.reservations) };
  switch (r.type) {
    case 'SCALAR': {
      const m = toMillis(r.scalar.value);
      if (cur?.type === 'SCALAR') cur.millis += m;
      else map.set(key, { ...head, type: 'SCALAR', millis: m });
      return;
    }
    case 'RANGES': {
      if (cur?.type === 'RANGES') cur.ranges.push(...r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })));
      else map.set(key, { ...head, type: 'RANGES', ranges: r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })) });
      return;
    }
    case 'SET': {
      if (cur?.type === 'SET') for (const s of r.set.item) cur.items.add(s);
      else map.set(key, { ...head, type: 'SET', items: new Set(r.set.item) });
      return;
    }
  }
}

function finish(map: Map<string, Acc>): Resource[] {
  const out: Resource[] = [];
  for (const a of map.values()) {
    // Accumulated stacks are already copies (accumulate), so they are shared, not copied again.
    const stack: Reserved = a.reservations !== undefined ? { reservations: a.reservations } : {};
    if (a.type === 'SCALAR') {
      if (a.millis > 0) out.push({ name: a.name, type: 'SCALAR', scalar: { value: a.millis / 1000 }, role: a.role, ...stack });
    } else if (a.type === 'RANGES') {
      const range = coalesceRanges(a.ranges);
      if (range.length > 0) out.push({ name: a.name, type: 'RANGES', ranges: { range }, role: a.role, ...stack });
    } else {
      const item = [...a.items].sort(cmp);
      if (item.length > 0) out.push({ name: a.name, type: 'SET', set: { item }, role: a.role, ...stack });
    }
  }
  // The stack decides only between entries of one name, role and type (rare): its key is computed then.
  out.sort((x, y) => cmp(x.name, y.name) || cmp(x.role, y.role) || cmp(x.type, y.type) || cmp(stackKeyOf(x.reservations), stackKeyOf(y.reservations)));
  return out;
}

function normalize(list: readonly Resource[]): Resource[] {
  const map = new Map<string, Acc>();
  for (const r of list) accumulate(map, r);
  return finish(map);
}

/** a \ b for coalesced, sorted range lists. */
function subtractRanges(a: readonly ValueRange[], b: readonly ValueRange[]): ValueRange[] {
  const out: ValueRange[] = [];
  let j = 0;
  for (const r of a) {
    let begin = r.begin;
    const end = r.end;
    while (j < b.length && (b[j]?.end ?? Infinity) < begin) j++;
    let k = j;
    while (begin <= end) {
      const cut = b[k];
      if (cut === undefined || cut.begin > end) {
        out.push({ begin, end });
        break;
      }
      if (cut.begin > begin) out.push({ begin, end: cut.begin - 1 });
      if (cut.end >= end) break;
      begin = Math.max(begin, cut.end + 1);
      k++;
    }
  }
  return out;
}

/** Every range of b lies inside some range of a (both coalesced and sorted). */
function rangesCover(a: readonly ValueRange[], b: readonly ValueRange[]): boolean {
  let i = 0;
  for (const r of b) {
    while (i < a.length && (a[i]?.end ?? Infinity) < r.begin) i++;
    const host = a[i];
    if (host === undefined || host.begin > r.begin || host.end < r.end) return false;
  }
  return true;
}

function cloneResource(r: Resource): Resource {
  const stack = stackPart(r.reservations);
  switch (r.type) {
    case 'SCALAR': return { name: r.name, type: 'SCALAR', scalar: { value: r.scalar.value }, role: r.role, ...stack };
    case 'RANGES': return { name: r.name, type: 'RANGES', ranges: { range: r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })) }, role: r.role, ...stack };
    case 'SET': return { name: r.name, type: 'SET', set: { item: [...r.set.item] }, role: r.role, ...stack };
  }
}

/** Mesos's own spelling of a reservation stack (`reservations: [(DYNAMIC,eng,alice)]`), for messages. */
function formatStack(stack: readonly Reservation[]): string {
  const one = (l: Reservation): string => {
    const labels = l.labels !== undefined ? `,{${l.labels.map((x) => (x.value !== undefined ? `${x.key}:${x.value}` : x.key)).join(',')}}` : '';
    return `(${l.type},${l.role}${l.principal !== undefined ? `,${l.principal}` : ''}${labels})`;
  };
  return `reservations: [${stack.map(one).join(',')}]`;
}

function formatValue(r: Resource, sep: string): string {
  switch (r.type) {
    case 'SCALAR': return String(r.scalar.value);
    case 'RANGES': return formatRanges(r.ranges.range, sep);
    case 'SET': return formatSet(r.set.item, sep);
  }
}

/** Immutable, normalized multiset of resources. */
export class Resources {
  readonly #entries: readonly Resource[];
  // Built on first use: most values (an allocation cycle makes one per offer and agent) are
  // only added, summed or printed, never looked up by key.
  #byKeyCache: ReadonlyMap<string, Resource> | undefined;

  private constructor(normalized: Resource[]) {
    this.#entries = normalized;
  }

  get #byKey(): ReadonlyMap<string, Resource> {
    this.#byKeyCache ??= new Map(this.#entries.map((r) => [keyOf(r), r]));
    return this.#byKeyCache;
  }

  static of(list: readonly Resource[]): Resources {
    for (const r of list) checkShape(r);
    return new Resources(normalize(list));
  }

  private static readonly EMPTY = new Resources([]);

  static empty(): Resources {
    return Resources.EMPTY;
  }

  static parse(text: string, defaultRole = '*'): Resources {
    return new Resources(parseResources(text, defaultRole));
  }

  add(other: Resources): Resources {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    return new Resources(normalize([...this.#entries, ...other.#entries]));
  }

  /** Saturating at zero for scalars; range and set difference otherwise. */
  subtract(other: Resources): Resources {
    if (other.isEmpty() || this.isEmpty()) return this;
    if (other === this) return Resources.EMPTY; // an offer of everything an agent has left
    const out: Resource[] = [];
    for (const r of this.#entries) {
      const o = other.#byKey.get(keyOf(r));
      if (o === undefined) {
        out.push(r);
      } else if (r.type === 'SCALAR' && o.type === 'SCALAR') {
        const m = toMillis(r.scalar.value) - toMillis(o.scalar.value);
        if (m > 0) out.push({ ...r, scalar: { value: m / 1000 } });
      } else if (r.type === 'RANGES' && o.type === 'RANGES') {
        const range = subtractRanges(r.ranges.range, o.ranges.range);
        if (range.length > 0) out.push({ ...r, ranges: { range } });
      } else if (r.type === 'SET' && o.type === 'SET') {
        const drop = new Set(o.set.item);
        const item = r.set.item.filter((s) => !drop.has(s));
        if (item.length > 0) out.push({ ...r, set: { item } });
      }
    }
    return new Resources(out);
  }

  /** Every scalar >=, ranges covered, sets superset — per (name, role, type). */
  contains(other: Resources): boolean {
    for (const o of other.#entries) {
      const r = this.#byKey.get(keyOf(o));
      if (r === undefined) return false;
      if (r.type === 'SCALAR' && o.type === 'SCALAR') {
        if (toMillis(r.scalar.value) < toMillis(o.scalar.value)) return false;
      } else if (r.type === 'RANGES' && o.type === 'RANGES') {
        if (!rangesCover(r.ranges.range, o.ranges.range)) return false;
      } else if (r.type === 'SET' && o.type === 'SET') {
        const have = new Set(r.set.item);
        if (!o.set.item.every((s) => have.has(s))) return false;
      }
    }
    return true;
  }

  isEmpty(): boolean {
    return this.#entries.length === 0;
  }

  /**
   * Each scalar entry's value replaced by `f` of it (0 drops the entry); other entries kept.
   * The result stays normalized without a pass: keys and order do not change. Returns this
   * when nothing changes (the allocator caps every candidate, and most fit).
   */
  mapScalars(f: (r: Extract<Resource, { type: 'SCALAR' }>) => number): Resources {
    let changed = false;
    const out: Resource[] = [];
    for (const r of this.#entries) {
      if (r.type !== 'SCALAR') {
        out.push(r);
        continue;
      }
      const raw = f(r);
      if (!Number.isFinite(raw) || raw < 0 || raw > MAX_SCALAR) fail(`invalid resource '${showText(r.name, 40)}': scalar must be a finite number in 0..${MAX_SCALAR}`);
      const v = roundScalar(raw);
      if (v === r.scalar.value) {
        out.push(r);
        continue;
      }
      changed = true;
      if (v > 0) out.push({ ...r, scalar: { value: v } });
    }
    if (!changed) return this;
    return out.length === 0 ? Resources.EMPTY : new Resources(out);
  }

  /** True when nothing here is reserved to a role (lets the allocator skip per-role filtering). */
  isUnreserved(): boolean {
    return this.#entries.every((r) => r.role === '*');
  }

  /** Some entry is a refined reservation (a stack of more than one layer; Mesos hasRefinedReservations). */
  hasRefinedReservations(): boolean {
    return this.#entries.some((r) => (r.reservations?.length ?? 0) > 1);
  }

  /** Without the refined reservations: what a framework lacking RESERVATION_REFINEMENT may be offered. */
  withoutRefinedReservations(): Resources {
    return this.hasRefinedReservations() ? new Resources(this.#entries.filter((r) => (r.reservations?.length ?? 0) <= 1)) : this;
  }

  /**
   * How much of `name` there is over all roles, as Mesos counts quantities: a scalar's value,
   * the number of ports in ranges, the number of items in a set.
   */
  quantity(name: string): number {
    let millis = 0;
    let count = 0;
    for (const r of this.#entries) {
      if (r.name !== name) continue;
      if (r.type === 'SCALAR') millis += toMillis(r.scalar.value);
      else if (r.type === 'RANGES') for (const x of r.ranges.range) count += x.end - x.begin + 1;
      else count += r.set.item.length;
    }
    return millis / 1000 + count;
  }

  /** Sum of the scalar `name` over all roles (0 when absent). */
  scalar(name: string): number {
    let m = 0;
    for (const r of this.#entries) if (r.name === name && r.type === 'SCALAR') m += toMillis(r.scalar.value);
    return m / 1000;
  }

  /** Deep copy, ordered by name, then role, then type. */
  toArray(): Resource[] {
    return this.#entries.map(cloneResource);
  }

  /** Mesos' legacy flat JSON: totals per name across roles. */
  toLegacyJson(): Record<string, number | string> {
    const out: Record<string, number | string> = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
    const byName = new Map<string, Acc>();
    for (const r of this.#entries) {
      const { reservations: _stack, ...flat } = r;
      accumulate(byName, { ...flat, role: '*' });
    }
    for (const r of finish(byName)) {
      // Own-property define: a resource may legally be named e.g. "__proto__".
      Object.defineProperty(out, r.name, {
        value: r.type === 'SCALAR' ? r.scalar.value : formatValue(r, ', '),
        enumerable: true, writable: true, configurable: true,
      });
    }
    return out;
  }

  /**
   * Mesos text syntax; parse(toString(x)) equals x when nothing is dynamically reserved
   * (a dynamic reservation prints as Mesos prints it, `cpus(reservations: [(DYNAMIC,eng,alice)]):2`,
   * which the text syntax does not read back).
   */
  toString(): string {
    return this.#entries
      .map((r) => {
        const head = r.reservations !== undefined ? `${r.name}(${formatStack(r.reservations)})` : r.role === '*' ? r.name : `${r.name}(${r.role})`;
        return `${head}:${formatValue(r, ',')}`;
      })
      .join(';');
  }

  equals(other: Resources): boolean {
    if (other === this) return true;
    if (other.#entries.length !== this.#entries.length) return false;
    return this.#entries.every((r, i) => {
      const o = other.#entries[i]!;
      return keyOf(r) === keyOf(o) && formatValue(r, ',') === formatValue(o, ',');
    });
  }
}
