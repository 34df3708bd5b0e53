// Pure offer matching: which instances of which apps fit into one offer (cpus, mem, disk, gpus,
// host ports from the offered ranges, constraints, accepted roles), and the exact resource
// entries to launch them with, copied from the offer so roles and allocation info match it.
import type { Offer, Resource } from '../wire/mesos.js';
import type { AppDefinition, Constraint } from './app-schema.js';

export interface Placement {
  hostname: string;
  attributes: Readonly<Record<string, string>>;
}

export interface PlannedTask {
  app: AppDefinition;
  resources: Resource[];
  hostPorts: number[];
}

interface Pool {
  scalars: Map<string, { entry: Resource; left: number }[]>;
  ports: { entry: Resource; free: number[] }[];
}

const roleOf = (r: Resource): string => r.reservations.at(-1)?.role ?? r.role ?? '*';

/** Agent attributes as text (`rack:r1`, scalars printed as numbers). */
export function offerAttributes(offer: Offer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of offer.attributes) {
    const v = a.text?.value ?? (a.scalar ? String(a.scalar.value) : undefined);
    if (v !== undefined) out[a.name] = v;
  }
  return out;
}

function poolOf(offer: Offer, acceptedRoles: readonly string[] | undefined): Pool {
  const pool: Pool = { scalars: new Map(), ports: [] };
  for (const r of offer.resources) {
    if (r.revocable !== undefined || r.disk?.persistence !== undefined || r.shared !== undefined) continue;
    if (acceptedRoles !== undefined && !acceptedRoles.includes(roleOf(r))) continue;
    if (r.type === 'SCALAR' && r.scalar) {
      const list = pool.scalars.get(r.name) ?? [];
      list.push({ entry: r, left: r.scalar.value });
      pool.scalars.set(r.name, list);
    } else if (r.type === 'RANGES' && r.name === 'ports' && r.ranges) {
      const free: number[] = [];
      for (const range of r.ranges.range) for (let p = range.begin; p <= range.end && free.length < 10_000; p++) free.push(p);
      pool.ports.push({ entry: r, free });
    }
  }
  return pool;
}

const EPSILON = 1e-9;

/** Takes `amount` of a scalar from the pool, or returns null (the pool unchanged) when there is not enough. */
function takeScalar(pool: Pool, name: string, amount: number): Resource[] | null {
  if (amount <= 0) return [];
  const list = pool.scalars.get(name) ?? [];
  const total = list.reduce((s, e) => s + e.left, 0);
  if (total + EPSILON < amount) return null;
  const out: Resource[] = [];
  let need = amount;
  for (const e of list) {
    if (need <= EPSILON) break;
    const take = Math.min(e.left, need);
    if (take <= 0) continue;
    e.left -= take;
    need -= take;
    out.push({ ...e.entry, scalar: { value: Math.round(take * 1000) / 1000 } });
  }
  return out;
}

/**
 * The host ports an instance needs, in order: one per port definition on host networking (the
 * definition's port itself when requirePorts), one per port mapping on bridge networking (its
 * hostPort itself unless 0).
 */
export function portRequests(app: AppDefinition): { fixed: number | null }[] {
  if (app.container?.docker?.network === 'BRIDGE') return (app.container.portMappings ?? []).map((m) => ({ fixed: m.hostPort !== undefined && m.hostPort !== 0 ? m.hostPort : null }));
  return app.portDefinitions.map((d) => ({ fixed: app.requirePorts && d.port !== 0 ? d.port : null }));
}

/** Host ports for the app's port requests from the offered ranges, or null when they do not fit. */
function takePorts(pool: Pool, app: AppDefinition): { resources: Resource[]; ports: number[] } | null {
  const chosen: { entryIndex: number; port: number }[] = [];
  const taken = new Set<string>();
  for (const req of portRequests(app)) {
    let found: { entryIndex: number; port: number } | null = null;
    pool.ports.forEach((p, entryIndex) => {
      if (found) return;
      const port = req.fixed !== null
        ? p.free.find((x) => x === req.fixed && !taken.has(`${entryIndex}:${x}`))
        : p.free.find((x) => !taken.has(`${entryIndex}:${x}`));
      if (port !== undefined) found = { entryIndex, port };
    });
    if (found === null) return null;
    const f: { entryIndex: number; port: number } = found;
    taken.add(`${f.entryIndex}:${f.port}`);
    chosen.push(f);
  }
  const resources: Resource[] = [];
  pool.ports.forEach((p, i) => {
    const mine = chosen.filter((c) => c.entryIndex === i).map((c) => c.port);
    if (mine.length === 0) return;
    p.free = p.free.filter((x) => !mine.includes(x));
    resources.push({ ...p.entry, ranges: { range: [...mine].sort((a, b) => a - b).map((x) => ({ begin: x, end: x })) } });
  });
  return { resources, ports: chosen.map((c) => c.port) };
}

function fieldValue(field: string, at: Placement): string | undefined {
  return field === 'hostname' ? at.hostname : at.attributes[field];
}

/** Whether one more instance at `candidate` keeps every constraint, given where the app's instances already are. */
export function constraintsAllow(constraints: readonly Constraint[], candidate: Placement, placed: readonly Placement[]): boolean {
  return constraints.every(([field, op, value]) => {
    const v = fieldValue(field, candidate);
    if (v === undefined) return op === 'UNLIKE';
    const count = (x: string): number => placed.filter((p) => fieldValue(field, p) === x).length;
    switch (op) {
      case 'UNIQUE':
        return count(v) === 0;
      case 'CLUSTER':
      case 'IS':
        return v === value;
      case 'LIKE':
        return new RegExp(`^(?:${value ?? ''})$`).test(v);
      case 'UNLIKE':
        return !new RegExp(`^(?:${value ?? ''})$`).test(v);
      case 'MAX_PER':
        return count(v) < Number(value);
      case 'GROUP_BY': {
        // Spread evenly: never put more on this value than on the least used value seen so far.
        const others = [...new Set(placed.map((p) => fieldValue(field, p)).filter((x): x is string => x !== undefined && x !== v))];
        return others.length === 0 || count(v) <= Math.min(...others.map(count));
      }
    }
  });
}

export interface Demand {
  app: AppDefinition;
  count: number;
  /** Where the app's live instances run (for constraints). */
  placed: Placement[];
}

/**
 * Fits as many demanded instances into the offer as it holds, app after app in the order given.
 * `placed` of each demand is extended with what this offer takes, so UNIQUE holds within it too.
 */
export function matchOffer(offer: Offer, demands: readonly Demand[]): PlannedTask[] {
  const here: Placement = { hostname: offer.hostname, attributes: offerAttributes(offer) };
  const out: PlannedTask[] = [];
  const pools = new Map<string, Pool>();
  for (const d of demands) {
    const rolesKey = d.app.acceptedResourceRoles?.join(',') ?? '';
    let pool = pools.get(rolesKey);
    if (!pool) {
      pool = poolOf(offer, d.app.acceptedResourceRoles);
      pools.set(rolesKey, pool);
    }
    for (let n = 0; n < d.count; n++) {
      if (!constraintsAllow(d.app.constraints, here, d.placed)) break;
      const planned = takeInstance(pool, d.app);
      if (!planned) break;
      out.push(planned);
      d.placed.push(here);
    }
  }
  return out;
}

function takeInstance(pool: Pool, app: AppDefinition): PlannedTask | null {
  // Work on a copy so a partial fit leaves the pool as it was.
  const trial: Pool = {
    scalars: new Map([...pool.scalars].map(([k, list]) => [k, list.map((e) => ({ ...e }))])),
    ports: pool.ports.map((p) => ({ entry: p.entry, free: [...p.free] })),
  };
  const parts: Resource[] = [];
  for (const [name, amount] of [['cpus', app.cpus], ['mem', app.mem], ['disk', app.disk], ['gpus', app.gpus]] as const) {
    const got = takeScalar(trial, name, amount);
    if (got === null) return null;
    parts.push(...got);
  }
  const ports = takePorts(trial, app);
  if (ports === null) return null;
  pool.scalars = trial.scalars;
  pool.ports = trial.ports;
  return { app, resources: [...parts, ...ports.resources], hostPorts: ports.ports };
}
