import { Resources, type Resource } from '../domain/resources.js';
import type { MasterStateView as MasterState } from './state.js';

// Derived resource views not kept by the ledger (ledger.ts keeps what is held).

// The last sum and the agent totals it was made of. An agent's total is an immutable value,
// replaced when it changes: comparing 1,000 references is much cheaper than summing 1,000
// agents, which every allocation run and every metrics read would otherwise do.
let lastSum: { totals: Resources[]; sum: Resources } | null = null;

/** Every agent's total, summed in one pass (adding agent by agent renormalized 1,000 times a run). */
export function clusterTotal(state: MasterState): Resources {
  const totals: Resources[] = [];
  for (const a of state.agents.values()) totals.push(a.total);
  const last = lastSum;
  if (last !== null && last.totals.length === totals.length && last.totals.every((t, i) => t === totals[i])) return last.sum;
  const all: Resource[] = [];
  for (const t of totals) all.push(...t.toArray());
  const sum = all.length === 0 ? Resources.empty() : Resources.of(all);
  lastSum = { totals, sum };
  return sum;
}

/** Reserved resources by the role they are reserved to, static and dynamic (Mesos Resources::reservations()). */
export function reservedByRole(total: Resources): Map<string, Resources> {
  const lists = new Map<string, ReturnType<Resources['toArray']>>();
  for (const r of total.toArray()) {
    if (r.role === '*') continue;
    const l = lists.get(r.role) ?? [];
    l.push(r);
    lists.set(r.role, l);
  }
  return new Map([...lists.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([role, l]) => [role, Resources.of(l)]));
}

export function unreservedPart(total: Resources): Resources {
  return Resources.of(total.toArray().filter((r) => r.role === '*'));
}
