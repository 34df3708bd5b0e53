import { TsmesosError } from '../domain/errors.js';
import { idProblem } from '../domain/ids.js';

// Edge validation helpers: each names the offending field path in its message.
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

const fail = (where: string, what: string): never => {
  throw new TsmesosError('BAD_REQUEST', `${where}: ${what}`);
};

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, where: string): JsonObject {
  return isObject(v) ? v : fail(where, 'expected an object');
}

export function optObj(v: unknown, where: string): JsonObject | undefined {
  return v === undefined || v === null ? undefined : obj(v, where);
}

export function str(v: unknown, where: string, maxLen = 4096): string {
  if (typeof v !== 'string') return fail(where, 'expected a string');
  if (v.length > maxLen) return fail(where, `longer than ${maxLen} characters`);
  return v;
}

export function optStr(v: unknown, where: string, maxLen = 4096): string | undefined {
  return v === undefined || v === null ? undefined : str(v, where, maxLen);
}

export function num(v: unknown, where: string): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fail(where, 'expected a finite number');
}

export function optNum(v: unknown, where: string): number | undefined {
  return v === undefined || v === null ? undefined : num(v, where);
}

export function optBool(v: unknown, where: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'boolean' ? v : fail(where, 'expected a boolean');
}

export function arr(v: unknown, where: string, maxLen = 10_000): unknown[] {
  if (!Array.isArray(v)) return fail(where, 'expected an array');
  if (v.length > maxLen) return fail(where, `more than ${maxLen} elements`);
  return v;
}

export function optArr(v: unknown, where: string, maxLen = 10_000): unknown[] {
  return v === undefined || v === null ? [] : arr(v, where, maxLen);
}

/** Mesos `{"value": "..."}` id objects; user ids follow Mesos rules (no '/', '\\', control chars, '.', '..'). */
export function idValue(v: unknown, where: string): string {
  const o = obj(v, where);
  const value = str(o['value'], `${where}.value`, 255);
  const why = idProblem(value);
  return why === undefined ? value : fail(`${where}.value`, why);
}

export function optIdValue(v: unknown, where: string): string | undefined {
  return v === undefined || v === null ? undefined : idValue(v, where);
}

export function oneOf<T extends string>(v: unknown, where: string, allowed: readonly T[]): T {
  const s = str(v, where, 64);
  return (allowed as readonly string[]).includes(s) ? (s as T) : fail(where, `must be one of ${allowed.join(', ')}`);
}
