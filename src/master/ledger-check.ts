import { Resources } from '../domain/resources.js';
import { isTerminal } from '../domain/task-state.js';
import type { LedgerView } from './ledger.js';
import type { MasterStateView } from './state.js';

// The ledger recomputed from scratch, for the test suite's masters (TSMESOS_CHECK_LEDGER=1):
// every allocation run compares, so any path that changes a task or an offer without telling
// the ledger fails a test instead of skewing offers quietly.

/** A description of the first difference, or null when the ledger matches tasks and offers. */
export function ledgerDrift(state: MasterStateView, ledger: LedgerView): string | null {
  const used = new Map<string, Resources>();
  const offered = new Map<string, Resources>();
  const fwRole = new Map<string, Resources>();
  const add = (m: Map<string, Resources>, k: string, r: Resources): void => {
    m.set(k, (m.get(k) ?? Resources.empty()).add(r));
  };
  const scalarsOf = (r: Resources): Resources => Resources.of(r.toArray().filter((x) => x.type === 'SCALAR').map((x) => ({ ...x, role: '*' })));
  for (const fw of state.frameworks.values()) {
    for (const t of fw.tasks.values()) {
      if (isTerminal(t.state)) continue;
      add(used, t.agentId, t.resources);
      add(used, `fw:${fw.id}`, t.resources);
      add(fwRole, `${fw.id}\u0000${t.role}`, scalarsOf(t.resources));
    }
  }
  for (const o of state.offers.values()) {
    add(offered, o.agentId, o.resources);
    add(offered, `fw:${o.frameworkId}`, o.resources);
    add(fwRole, `${o.frameworkId}\u0000${o.role}`, scalarsOf(o.resources));
  }
  const ids = new Set([...state.agents.keys(), ...used.keys(), ...offered.keys()].filter((k) => !k.startsWith('fw:')));
  for (const id of ids) {
    const want = used.get(id) ?? Resources.empty();
    if (!ledger.usedOnAgent(id).equals(want)) return `agent ${id} uses ${want.toString()}, the ledger says ${ledger.usedOnAgent(id).toString()}`;
    const wantOffered = offered.get(id) ?? Resources.empty();
    if (!ledger.offeredOnAgent(id).equals(wantOffered)) return `agent ${id} has ${wantOffered.toString()} offered, the ledger says ${ledger.offeredOnAgent(id).toString()}`;
  }
  for (const fw of state.frameworks.values()) {
    const want = used.get(`fw:${fw.id}`) ?? Resources.empty();
    if (!ledger.usedByFramework(fw.id).equals(want)) return `framework ${fw.id} uses ${want.toString()}, the ledger says ${ledger.usedByFramework(fw.id).toString()}`;
    for (const role of new Set([...fw.roles, ...[...fw.tasks.values()].map((t) => t.role)])) {
      const wantRole = fwRole.get(`${fw.id}\u0000${role}`) ?? Resources.empty();
      const got = ledger.frameworkRoleScalars(fw.id, role);
      if (!got.equals(wantRole)) return `framework ${fw.id} holds ${wantRole.toString()} in role ${role}, the ledger says ${got.toString()}`;
    }
  }
  return null;
}
