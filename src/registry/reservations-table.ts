import type Database from 'better-sqlite3';
import type { Resource } from '../domain/resources.js';
import type { ReplicatedModule } from './replicated-module.js';

// One module per table: the dynamic reservations the master made on each agent (RESERVE,
// UNRESERVE). Mesos checkpoints them on the agent; tsmesos keeps them in the registry, so a new
// leader has them before any agent reregisters and an agent that lost its disk keeps them too.

export type ReservationsCommand =
  /** The agent's dynamically reserved resources, whole (v1 JSON of the domain Resource); none removes the row. */
  { type: 'SET_AGENT_RESERVATIONS'; agentId: string; reservations: Resource[] };

export const reservationsTable = {
  list(db: Database.Database): Map<string, Resource[]> {
    const rows = db.prepare('SELECT agent_id, resources FROM agent_reservations ORDER BY agent_id').all() as { agent_id: string; resources: string }[];
    return new Map(rows.map((r) => [r.agent_id, JSON.parse(r.resources) as Resource[]]));
  },
  clear(db: Database.Database, agentId: string): void {
    db.prepare('DELETE FROM agent_reservations WHERE agent_id = ?').run(agentId);
  },
};

export const reservationsModule: ReplicatedModule<ReservationsCommand> = {
  name: 'reservations',
  apply: {
    SET_AGENT_RESERVATIONS: (db, cmd) => {
      // An agent removed meanwhile (REMOVE_AGENT was committed first) keeps no reservations.
      const known = db.prepare('SELECT 1 FROM agents WHERE id = ?').get(cmd.agentId) !== undefined;
      if (!known || cmd.reservations.length === 0) {
        reservationsTable.clear(db, cmd.agentId);
        return;
      }
      db.prepare('INSERT INTO agent_reservations (agent_id, resources) VALUES (?, ?) ON CONFLICT(agent_id) DO UPDATE SET resources = excluded.resources')
        .run(cmd.agentId, JSON.stringify(cmd.reservations));
    },
  },
  tables: [{ name: 'agent_reservations' }],
};
