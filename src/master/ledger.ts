import { Resources, type Resource } from '../domain/resources.js';

// What agents, frameworks and roles hold (live tasks and outstanding offers), kept as tasks and
// offers come and go. An allocation run and a state request used to sum every task each time:
// at 1,000 agents and a few thousand short tasks that was most of the master's CPU, and
// /master/state walked all tasks once per agent. The two writers are Tasks and the OfferBook;
// track/untrack are idempotent per entry, so a repeated call cannot count anything twice.

export interface Holding {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
}

type Kind = 'task' | 'offer';

/** Entries of one agent or framework, with their sums cached until they change. */
class Group {
  readonly items: Record<Kind, Set<Holding>> = { task: new Set(), offer: new Set() };
  private sums: Partial<Record<Kind | 'both', Resources>> = {};
  change(): void {
    this.sums = {};
  }
  sum(kind: Kind | 'both'): Resources {
    let s = this.sums[kind];
    if (s === undefined) {
      const list: Resource[] = [];
      for (const k of kind === 'both' ? (['task', 'offer'] as const) : [kind]) for (const h of this.items[k]) list.push(...h.resources.toArray());
      s = list.length === 0 ? Resources.empty() : Resources.of(list);
      this.sums[kind] = s;
    }
    return s;
  }
  isEmpty(): boolean {
    return this.items.task.size === 0 && this.items.offer.size === 0;
  }
}

/** Scalars in thousandths (exact sums, as Resources stores them). */
type Millis = Map<string, number>;

export interface LedgerView {
  /** Resources of live tasks on the agent. */
  usedOnAgent(agentId: string): Resources;
  offeredOnAgent(agentId: string): Resources;
  /** Tasks and offers together: what an agent cannot offer again. */
  heldOnAgent(agentId: string): Resources;
  usedByFramework(frameworkId: string): Resources;
  offeredToFramework(frameworkId: string): Resources;
  /** Scalars a framework holds in a role (tasks and offers): all DRF and quota need. */
  frameworkRoleScalars(frameworkId: string, role: string): Resources;
  /** Scalars held in each role (tasks and offers). */
  roleScalars(): ReadonlyMap<string, Resources>;
  /** Frameworks with a live task or an offer on the agent, sorted. */
  frameworksOnAgent(agentId: string): string[];
}

export class ResourceLedger implements LedgerView {
  private readonly kindOf = new Map<Holding, Kind>();
  private readonly agents = new Map<string, Group>();
  private readonly frameworks = new Map<string, Group>();
  private readonly fwRole = new Map<string, Millis>();
  private readonly roles = new Map<string, Millis>();

  track(kind: Kind, h: Holding): void {
    if (this.kindOf.has(h)) return;
    this.kindOf.set(h, kind);
    this.group(this.agents, h.agentId).items[kind].add(h);
    this.group(this.frameworks, h.frameworkId).items[kind].add(h);
    this.agents.get(h.agentId)!.change();
    this.frameworks.get(h.frameworkId)!.change();
    this.addScalars(h, 1);
  }

  untrack(h: Holding): void {
    const kind = this.kindOf.get(h);
    if (kind === undefined) return;
    this.kindOf.delete(h);
    for (const [groups, key] of [[this.agents, h.agentId], [this.frameworks, h.frameworkId]] as const) {
      const g = groups.get(key)!;
      g.items[kind].delete(h);
      g.change();
      if (g.isEmpty()) groups.delete(key);
    }
    this.addScalars(h, -1);
  }

  usedOnAgent(agentId: string): Resources {
    return this.agents.get(agentId)?.sum('task') ?? Resources.empty();
  }
  offeredOnAgent(agentId: string): Resources {
    return this.agents.get(agentId)?.sum('offer') ?? Resources.empty();
  }
  heldOnAgent(agentId: string): Resources {
    return this.agents.get(agentId)?.sum('both') ?? Resources.empty();
  }
  usedByFramework(frameworkId: string): Resources {
    return this.frameworks.get(frameworkId)?.sum('task') ?? Resources.empty();
  }
  offeredToFramework(frameworkId: string): Resources {
    return this.frameworks.get(frameworkId)?.sum('offer') ?? Resources.empty();
  }
  frameworkRoleScalars(frameworkId: string, role: string): Resources {
    return toResources(this.fwRole.get(fwRoleKey(frameworkId, role)));
  }
  frameworksOnAgent(agentId: string): string[] {
    const g = this.agents.get(agentId);
    if (!g) return [];
    return [...new Set([...g.items.task, ...g.items.offer].map((h) => h.frameworkId))].sort();
  }
  roleScalars(): ReadonlyMap<string, Resources> {
    return new Map([...this.roles].map(([role, m]) => [role, toResources(m)]));
  }

  private group(groups: Map<string, Group>, key: string): Group {
    let g = groups.get(key);
    if (!g) {
      g = new Group();
      groups.set(key, g);
    }
    return g;
  }

  private addScalars(h: Holding, sign: 1 | -1): void {
    for (const [map, key] of [[this.fwRole, fwRoleKey(h.frameworkId, h.role)], [this.roles, h.role]] as const) {
      let m = map.get(key);
      if (!m) {
        m = new Map();
        map.set(key, m);
      }
      for (const r of h.resources.toArray()) {
        if (r.type !== 'SCALAR') continue;
        const v = (m.get(r.name) ?? 0) + sign * Math.round(r.scalar.value * 1000);
        if (v === 0) m.delete(r.name);
        else m.set(r.name, v);
      }
      if (m.size === 0) map.delete(key);
    }
  }
}

const fwRoleKey = (frameworkId: string, role: string): string => `${frameworkId}\u0000${role}`;

function toResources(m: Millis | undefined): Resources {
  if (m === undefined || m.size === 0) return Resources.empty();
  return Resources.of([...m].map(([name, millis]) => ({ name, type: 'SCALAR' as const, scalar: { value: millis / 1000 }, role: '*' })));
}
