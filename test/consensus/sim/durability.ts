// The driver's persistence policy (planWrite, src/consensus/driver-persist.ts), used as is by the
// core simulation on its page-cache disk, so that the simulation and the driver cannot disagree
// on which Readies are fsynced and which messages leave before the write. The simulation then
// checks the policy is safe under crashes at any point, including between the leader's early
// sends and its fsync. test/consensus/driver-sim runs the driver itself, on SQLite.
import type { NodeId, Ready, Role } from '../../../src/consensus/core/types.js';
import { planWrite as driverPlan, type WritePlan } from '../../../src/consensus/driver-persist.js';

export type { WritePlan } from '../../../src/consensus/driver-persist.js';

/** `sabotage`: every message leaves before the write (a driver that forgot the ordering). */
export function planWrite(rd: Ready, role: Role, synced: { term: number; vote: NodeId }, sabotage = false): WritePlan {
  const plan = driverPlan(rd, role, synced);
  return sabotage ? { early: rd.messages, after: [], fsync: plan.fsync } : plan;
}
