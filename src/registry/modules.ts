// Every replicated module of the registry (see replicated-module.ts). Order matters only for
// snapshots: tables are imaged and restored in this order.
import { agentsModule } from './agents-table.js';
import { frameworksModule } from './frameworks-table.js';
import { metaModule } from './meta-table.js';
import { rolesModule } from './roles-table.js';
import { maintenanceModule } from './maintenance-table.js';
import { securityModule } from './security-table.js';
import { servicesModule } from './services-table.js';
import { reservationsModule } from './reservations-table.js';
import type { ModuleCommand, SnapshotTable } from './replicated-module.js';
import type Database from 'better-sqlite3';

export const REGISTRY_MODULES = [agentsModule, frameworksModule, rolesModule, maintenanceModule, securityModule, servicesModule, reservationsModule, metaModule] as const;

export type RegistryCommand = ModuleCommand<(typeof REGISTRY_MODULES)[number]>;

type AnyApplyCase = (db: Database.Database, cmd: RegistryCommand) => void;

/** Command type -> its apply case, across modules; a type claimed twice is a programming error. */
export const APPLY_CASES: ReadonlyMap<string, AnyApplyCase> = (() => {
  const cases = new Map<string, AnyApplyCase>();
  for (const m of REGISTRY_MODULES) {
    for (const [type, apply] of Object.entries(m.apply) as [string, AnyApplyCase][]) {
      if (cases.has(type)) throw new Error(`registry: command ${type} is declared by two modules`);
      cases.set(type, apply);
    }
  }
  return cases;
})();

/** The replicated tables, in snapshot (and restore) order. */
export const SNAPSHOT_TABLES: readonly SnapshotTable[] = REGISTRY_MODULES.flatMap((m) => m.tables);

/**
 * Tables in the registry's database that are not replicated through snapshots: the Raft
 * log's own tables (src/consensus/sqlite-storage.ts, identity.ts) share the file.
 */
export function isLocalTable(name: string): boolean {
  return name.startsWith('raft_');
}
