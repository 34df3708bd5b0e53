import type Database from 'better-sqlite3';
import type { RegistryCommand } from './commands.js';
import { agentsTable } from './agents-table.js';
import { frameworksTable } from './frameworks-table.js';
import { metaTable } from './meta-table.js';
import { unreachableTable } from './unreachable-table.js';

/**
 * The one FSM apply switch. Runs inside the caller's transaction; deterministic:
 * no clock, no randomness, no I/O besides this database.
 */
export function applyCommand(db: Database.Database, index: number, cmd: RegistryCommand): void {
  const applied = metaTable.appliedIndex(db);
  if (index <= applied) return; // replays after a crash are idempotent
  switch (cmd.type) {
    case 'ADMIT_AGENT':
    case 'UPDATE_AGENT':
      agentsTable.upsert(db, cmd.agent);
      break;
    case 'REMOVE_AGENT':
      agentsTable.remove(db, cmd.agentId);
      unreachableTable.clear(db, cmd.agentId);
      break;
    case 'MARK_AGENT_UNREACHABLE':
      if (agentsTable.get(db, cmd.agentId)) unreachableTable.mark(db, cmd.agentId, cmd.at);
      break;
    case 'MARK_AGENT_REACHABLE':
      unreachableTable.clear(db, cmd.agentId);
      break;
    case 'ADD_FRAMEWORK':
    case 'UPDATE_FRAMEWORK':
      frameworksTable.upsert(db, cmd.framework);
      break;
    case 'REMOVE_FRAMEWORK':
      frameworksTable.remove(db, cmd.frameworkId, cmd.at);
      break;
    case 'NOOP':
      break;
    default: {
      const never: never = cmd;
      throw new Error(`unhandled registry command ${JSON.stringify(never)}`);
    }
  }
  metaTable.set(db, 'applied_index', String(index));
}
