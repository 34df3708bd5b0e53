import { Resources, type Resource } from '../domain/resources.js';
import type { MasterStateView as MasterState } from './state.js';

// Derived resource views not kept by the ledger (ledger.ts keeps what is held).

/** Every agent's total, summed in one pass (adding agent by agent renormalized 1,000 times a run). */
export function clusterTotal(state: MasterState): Resources {
  const all: Resource[] = [];
  for (const a of state.agents.values()) all.push(...a.total.toArray());
  return all.length === 0 ? Resources.empty() : Resources.of(all);
}
