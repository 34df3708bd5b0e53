// Marathon's GroupUpdate (types/group.raml) parsed and resolved, pure: ids made absolute against
// their parent group (relative ids are children of it; absolute ones must be direct children),
// every app validated with the one app schema, errors at Marathon paths (`/groups(0)/apps(1)/cpus`).
import { z } from 'zod';
import { appIdProblem, canonicalAppId, parseApp, validationFailure, type AppDefinition, type ValidationFailure } from './app-schema.js';

/** Nesting deeper than this is refused before it is walked (ids of 200 characters cannot nest deeper anyway). */
export const MAX_GROUP_DEPTH = 32;
const MAX_APPS = 1000;

const GroupUpdateShape: z.ZodType<RawGroup> = z.lazy(() => z.strictObject({
  id: z.string().max(400).optional(),
  apps: z.array(z.record(z.string(), z.unknown())).max(MAX_APPS).optional(),
  groups: z.array(GroupUpdateShape).max(100).optional(),
  dependencies: z.array(z.string().max(400)).max(100).optional(),
  scaleBy: z.number().min(0).max(1000).optional(),
  version: z.string().max(64).optional(),
  enforceRole: z.boolean().optional(),
  pods: z.array(z.unknown()).max(0, 'pods are not supported').optional(),
}));

interface RawGroup {
  id?: string | undefined;
  apps?: Record<string, unknown>[] | undefined;
  groups?: RawGroup[] | undefined;
  dependencies?: string[] | undefined;
  scaleBy?: number | undefined;
  version?: string | undefined;
  enforceRole?: boolean | undefined;
  pods?: unknown[] | undefined;
}

/** A group of the update with absolute ids; undefined lists were not given (and keep what is there). */
export interface GroupSpec {
  id: string;
  apps?: AppDefinition[];
  groups?: GroupSpec[];
  dependencies?: string[];
  /** Honoured on top-level groups only (group-plan.ts). */
  enforceRole?: boolean;
}

export type GroupUpdate =
  | { kind: 'structure'; group: GroupSpec }
  | { kind: 'scale'; id: string; scaleBy: number }
  /** Roll the group back to the root version `version` (canonical: `Date.toISOString()`). */
  | { kind: 'revert'; id: string; version: string };

export type GroupUpdateParse = { ok: true; update: GroupUpdate } | { ok: false; failure: ValidationFailure };

const fail = (path: string, error: string): GroupUpdateParse => ({ ok: false, failure: { message: 'Object is not valid', details: [{ path, errors: [error] }] } });

/** `child` resolved against the group `parent`: relative ids hang under it. Only call on ids appIdProblem accepts. */
export function resolveId(child: string, parent: string): string {
  if (child.startsWith('/')) return canonicalAppId(child);
  return canonicalAppId(parent === '/' ? child : `${parent}/${child}`);
}

const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** A version (an ISO 8601 date-time, any offset, up to nanoseconds) as versions are stored: UTC with milliseconds; undefined if it is none. */
export function canonicalVersion(text: string): string | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]!}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}${m[3]!}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export const parentOf = (id: string): string => id.slice(0, id.lastIndexOf('/')) || '/';

function depth(json: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[json, 1]];
  while (stack.length > 0) {
    const [g, d] = stack.pop()!;
    max = Math.max(max, d);
    if (d > MAX_GROUP_DEPTH) return d;
    const groups = typeof g === 'object' && g !== null ? (g as { groups?: unknown }).groups : undefined;
    if (Array.isArray(groups)) for (const c of groups) stack.push([c, d + 1]);
  }
  return max;
}

/**
 * Validates untrusted JSON as a GroupUpdate for the group at `base` (the path of the URL; the
 * body's `id`, if any, is resolved against it). `scaleBy` and `version` (a rollback) must each
 * come alone (besides `id`): Marathon silently ignores the rest, we refuse the conflict.
 */
export function parseGroupUpdate(json: unknown, base: string): GroupUpdateParse {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('/', 'expected a JSON object');
  if (depth(json) > MAX_GROUP_DEPTH) return fail('/groups', `groups nest at most ${MAX_GROUP_DEPTH} deep`);
  const r = GroupUpdateShape.safeParse(json);
  if (!r.success) return { ok: false, failure: validationFailure(r.error) };
  const raw = r.data;
  if (raw.id !== undefined) {
    const why = raw.id === '/' ? undefined : appIdProblem(raw.id);
    if (why !== undefined) return fail('/id', why);
  }
  const id = raw.id === undefined ? base : raw.id === '/' ? '/' : resolveId(raw.id, base);
  if (raw.version !== undefined) {
    const others = (['apps', 'groups', 'dependencies', 'scaleBy', 'enforceRole', 'pods'] as const).filter((k) => raw[k] !== undefined);
    if (others.length > 0) return fail('/version', `version (a rollback) must be the only change (also given: ${others.join(', ')})`);
    const version = canonicalVersion(raw.version);
    if (version === undefined) return fail('/version', 'expected an ISO 8601 date-time such as 2026-12-02T10:00:00.000Z');
    return { ok: true, update: { kind: 'revert', id, version } };
  }
  if (raw.scaleBy !== undefined) {
    const others = (['apps', 'groups', 'dependencies', 'enforceRole', 'pods'] as const).filter((k) => raw[k] !== undefined);
    if (others.length > 0) return fail('/scaleBy', `scaleBy must be the only change (also given: ${others.join(', ')})`);
    return { ok: true, update: { kind: 'scale', id, scaleBy: raw.scaleBy } };
  }
  const details: ValidationFailure['details'] = [];
  let apps = 0;
  const resolve = (g: RawGroup, gid: string, at: string): GroupSpec => {
    const spec: GroupSpec = { id: gid, ...(g.enforceRole !== undefined ? { enforceRole: g.enforceRole } : {}) };
    if (g.dependencies !== undefined) {
      spec.dependencies = [];
      g.dependencies.forEach((d, i) => {
        const why = appIdProblem(d);
        if (why !== undefined) details.push({ path: `${at}/dependencies(${i})`, errors: [why] });
        else spec.dependencies!.push(resolveId(d, gid));
      });
    }
    if (g.apps !== undefined) {
      spec.apps = [];
      g.apps.forEach((a, i) => {
        const p = `${at}/apps(${i})`;
        if (++apps > MAX_APPS) {
          if (apps === MAX_APPS + 1) details.push({ path: p, errors: [`at most ${MAX_APPS} apps in one update`] });
          return;
        }
        const rawId = a['id'];
        const why = typeof rawId !== 'string' ? 'an app in a group needs an id' : appIdProblem(rawId);
        if (why !== undefined) return void details.push({ path: `${p}/id`, errors: [why] });
        const appId = resolveId(rawId as string, gid);
        if (parentOf(appId) !== gid) return void details.push({ path: `${p}/id`, errors: [`identifier ${appId} is not child of ${gid}. Hint: use relative paths.`] });
        const parsed = parseApp({ ...a, id: appId });
        if (!parsed.ok) {
          for (const d of parsed.failure.details) details.push({ path: d.path === '/' ? p : `${p}${d.path}`, errors: d.errors });
          return;
        }
        spec.apps!.push(parsed.app);
      });
    }
    if (g.groups !== undefined) {
      spec.groups = [];
      g.groups.forEach((c, i) => {
        const p = `${at}/groups(${i})`;
        const why = c.id === undefined ? 'a nested group needs an id' : appIdProblem(c.id);
        if (why !== undefined) return void details.push({ path: `${p}/id`, errors: [why] });
        const cid = resolveId(c.id!, gid);
        if (parentOf(cid) !== gid) return void details.push({ path: `${p}/id`, errors: [`identifier ${cid} is not child of ${gid}. Hint: use relative paths.`] });
        if (c.scaleBy !== undefined || c.version !== undefined) return void details.push({ path: p, errors: ['scaleBy and version apply to the group in the URL only'] });
        spec.groups!.push(resolve(c, cid, p));
      });
    }
    return spec;
  };
  const group = resolve(raw, id, '');
  // One id names one thing: no two apps, groups, or an app and a group alike.
  const seen = new Map<string, string>();
  const claim = (what: string, at: string): void => {
    const before = seen.get(what);
    if (before !== undefined) details.push({ path: at, errors: [`${what} is given twice (also at ${before}); groups and apps may not share an id`] });
    else seen.set(what, at);
  };
  const walk = (g: GroupSpec, at: string): void => {
    claim(g.id, at || '/');
    g.apps?.forEach((a, i) => claim(a.id, `${at}/apps(${i})`));
    g.groups?.forEach((c, i) => walk(c, `${at}/groups(${i})`));
  };
  walk(group, '');
  if (details.length > 0) return { ok: false, failure: { message: 'Object is not valid', details: details.slice(0, 50) } };
  return { ok: true, update: { kind: 'structure', group } };
}
