// The building blocks of every wire definition, and the one decode and one encode.
//
// Mesos's JSON is protobuf's: field names as in the .proto, enums as names, `null` means
// "not set", unknown fields are ignored. zod 4 gives typed decoding with precise paths;
// the conventions below make every schema follow those rules the same way.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { TsmesosError } from '../domain/errors.js';
import { idProblem } from '../domain/ids.js';
import { JsonFragment } from '../lib/json-fragment.js';

const nullToUndefined = (v: unknown): unknown => (v === null ? undefined : v);
// Mesos's JSON parser (stout protobuf.hpp) also skips `null` elements of a repeated field.
const nullToEmpty = (v: unknown): unknown => (v === null || v === undefined ? [] : Array.isArray(v) ? v.filter((x) => x !== null) : v);

/** `optional` proto field: absent or `null` decode to undefined. */
export const opt = <T extends z.ZodType>(s: T) => z.preprocess(nullToUndefined, s.optional());

/** `required` proto field; `null` is "not set", so it fails as missing. */
export const req = <T extends z.ZodType>(s: T) => z.preprocess(nullToUndefined, s);

/** `repeated` proto field: absent or `null` decode to []; bounded against hostile input. */
export const rep = <T extends z.ZodType>(s: T, max = 10_000) => z.preprocess(nullToEmpty, z.array(s).max(max));

/** A proto message: unknown fields are dropped (z.object strips them). */
export const message = <S extends z.ZodRawShape>(shape: S) => z.object(shape);

export const str = (max = 4096) => z.string().max(max);
export const bool = () => z.boolean();
export const double = () => z.number().refine(Number.isFinite, 'expected a finite number');

/** int64/uint64: a JSON number, or a decimal string (proto3-style clients print 64-bit integers as strings). */
// Up to 2^63: nanosecond times exceed 2^53, and Mesos prints them as JSON numbers (precision beyond 2^53 is lost, as in JavaScript clients).
export const int64 = () =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d{1,20}$/.test(v) ? Number(v) : v),
    z.number().refine((n) => Number.isInteger(n) && Math.abs(n) <= 2 ** 63, 'expected a 64-bit integer'),
  );
export const uint32 = () => z.number().int('expected an integer').min(0).max(0xffff_ffff);
export const int32 = () => z.number().int('expected an integer').min(-0x8000_0000).max(0x7fff_ffff);

/** `bytes`: base64 text. */
export const bytes = (maxChars = 16 * 1024 * 1024) => z.string().max(maxChars).regex(/^[A-Za-z0-9+/=_-]*$/, 'expected base64');

export const enumOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values);

/** `{"value": "..."}` ids. User-chosen ids follow Mesos's rules (no '/', '\\', control characters, '.', '..'). */
export const idMessage = () =>
  message({
    value: req(
      z.string().max(255).superRefine((v, ctx) => {
        const why = idProblem(v);
        if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
      }),
    ),
  });

export type Decoded<S extends z.ZodType> = z.output<S>;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** Decodes untrusted JSON into a typed message; failure is a BAD_REQUEST naming the field path. */
export function decode<S extends z.ZodType>(schema: S, json: unknown, where: string): z.output<S> {
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (!issue) throw new TsmesosError('BAD_REQUEST', `${where}: invalid`);
  throw new TsmesosError('BAD_REQUEST', `${where}${formatPath(issue.path)}: ${issue.message}`);
}

/**
 * Decodes a message from tsmesos's own peers (the agent channel). They send canonical JSON, so
 * with TSMESOS_WIRE_STRICT=1 (the test suite sets it) anything else is refused: a drift between
 * what one side encodes and what the other decodes fails loudly instead of being smoothed over.
 */
export function decodeOwn<S extends z.ZodType>(schema: S, json: unknown, where: string): z.output<S> {
  const value = decode(schema, json, where);
  if (process.env['TSMESOS_WIRE_STRICT'] === '1' && !isDeepStrictEqual(encode(schema, value), json)) {
    throw new TsmesosError('BAD_REQUEST', `${where}: not the canonical encoding of this message (TSMESOS_WIRE_STRICT): ${JSON.stringify(json).slice(0, 300)}`);
  }
  return value;
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; message: string };

function attempt<T>(f: () => T): Attempt<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/** Like decodeOwn, for callers that turn a failure into something other than an HTTP error. */
export function tryDecodeOwn<S extends z.ZodType>(schema: S, json: unknown, where: string): Attempt<z.output<S>> {
  return attempt(() => decodeOwn(schema, json, where));
}

/**
 * Empty messages whose presence is the information (Resource.revocable, Resource.shared, Predicate.exists,
 * OfferFilters.min_allocatable_resources: empty means "anything is allocatable"),
 * and the operator API's payloads (master.proto Response.get_*, GetMaintenance*.schedule/status, GetQuota.status),
 * which Mesos prints even when empty (`{"type":"GET_WEIGHTS","get_weights":{}}`): clients read them unguarded.
 */
const MARKER_FIELDS: ReadonlySet<string> = new Set(['revocable', 'shared', 'exists', 'not_exists', 'schedule', 'status', 'min_allocatable_resources']);
const isMarker = (key: string): boolean => MARKER_FIELDS.has(key) || key.startsWith('get_');

/**
 * Encodes a typed message as Mesos JSON: unset fields (undefined/null), empty repeated
 * fields and empty sub-messages are omitted. The schema parameter is only a type witness,
 * so a caller cannot encode something that is not that message.
 */
export function encode<S extends z.ZodType>(_schema: S, value: z.output<S>): Record<string, unknown> {
  return (prune(value) ?? {}) as Record<string, unknown>;
}

// One pass, allocating only what it keeps (no Object.entries, map or filter): GET_STATE of
// 100,000 tasks is millions of fields, and this walk was most of its time.
function prune(v: unknown, key = ''): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object' || v instanceof JsonFragment) return v;
  if (Array.isArray(v)) {
    let items: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const p = prune(v[i]);
      if (p !== undefined) (items ??= []).push(p);
    }
    return items;
  }
  let out: Record<string, unknown> | undefined;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const p = prune(o[k], k);
    if (p !== undefined) (out ??= {})[k] = p;
  }
  return out ?? (isMarker(key) ? {} : undefined);
}

/** Like decode, for callers that turn a failure into something other than an HTTP error. */
export function tryDecode<S extends z.ZodType>(schema: S, json: unknown, where: string): Attempt<z.output<S>> {
  return attempt(() => decode(schema, json, where));
}
