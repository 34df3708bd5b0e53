import type Database from 'better-sqlite3';
import type { RegistryCommand } from './commands.js';
import { metaTable } from './meta-table.js';
import { APPLY_CASES } from './modules.js';

/**
 * The one FSM apply switch: dispatches to the apply case of the module that declares the
 * command (modules.ts). Runs inside the caller's transaction, one per entry; deterministic:
 * no clock, no randomness, no I/O besides this database.
 */
export function applyCommand(db: Database.Database, index: number, cmd: RegistryCommand): void {
  const applied = metaTable.appliedIndex(db);
  if (index <= applied) return; // replays after a crash are idempotent
  const apply = APPLY_CASES.get(cmd.type);
  if (!apply) throw new Error(`unhandled registry command ${JSON.stringify(cmd)}`);
  apply(db, cmd);
  metaTable.set(db, 'applied_index', String(index));
}
