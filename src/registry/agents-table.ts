import type Database from 'better-sqlite3';
import type { Resource } from '../domain/resources.js';
import type { Attribute } from '../domain/attributes.js';
import type { ReplicatedModule } from './replicated-module.js';
import { unreachableTable } from './unreachable-table.js';
import { agentMaintenanceTable, type AgentMaintenanceRecord } from './agent-maintenance-table.js';
import { reservationsTable } from './reservations-table.js';

// One module per table: the only code that reads or writes `agents`, and the replicated
// module of the admitted and unreachable agents (Mesos registry `slaves` and `unreachable`).

export interface AgentRecord {
  id: string;
  hostname: string;
  ip: string;
  port: number;
  resources: Resource[];
  attributes: Attribute[];
  registeredAt: number;
}

export type AgentCommand =
  | { type: 'ADMIT_AGENT'; agent: AgentRecord }
  | { type: 'UPDATE_AGENT'; agent: AgentRecord }
  | { type: 'REMOVE_AGENT'; agentId: string; at: number }
  /** Mesos MarkSlaveUnreachable / MarkSlaveReachable. */
  | { type: 'MARK_AGENT_UNREACHABLE'; agentId: string; at: number }
  | { type: 'MARK_AGENT_REACHABLE'; agentId: string }
  /** DEACTIVATE_AGENT, REACTIVATE_AGENT, DRAIN_AGENT and the DRAINED transition: the operator's settings, whole. */
  | { type: 'SET_AGENT_MAINTENANCE'; agentId: string; maintenance: AgentMaintenanceRecord };

interface AgentRow { id: string; hostname: string; ip: string; port: number; resources: string; attributes: string; registered_at: number }

const fromRow = (r: AgentRow): AgentRecord => ({
  id: r.id,
  hostname: r.hostname,
  ip: r.ip,
  port: r.port,
  resources: JSON.parse(r.resources) as AgentRecord['resources'],
  attributes: JSON.parse(r.attributes) as AgentRecord['attributes'],
  registeredAt: r.registered_at,
});

export const agentsTable = {
  upsert(db: Database.Database, a: AgentRecord): void {
    db.prepare(
      `INSERT INTO agents (id, hostname, ip, port, resources, attributes, registered_at)
       VALUES (@id, @hostname, @ip, @port, @resources, @attributes, @registered_at)
       ON CONFLICT(id) DO UPDATE SET hostname=excluded.hostname, ip=excluded.ip, port=excluded.port,
         resources=excluded.resources, attributes=excluded.attributes`,
    ).run({
      id: a.id, hostname: a.hostname, ip: a.ip, port: a.port,
      resources: JSON.stringify(a.resources), attributes: JSON.stringify(a.attributes), registered_at: a.registeredAt,
    });
  },
  remove(db: Database.Database, id: string): void {
    db.prepare('DELETE FROM agents WHERE id = ?').run(id);
  },
  list(db: Database.Database): AgentRecord[] {
    return (db.prepare('SELECT * FROM agents ORDER BY id').all() as AgentRow[]).map(fromRow);
  },
  get(db: Database.Database, id: string): AgentRecord | undefined {
    const r = db.prepare('SELECT * FROM agents WHERE id = ?').get(id) as AgentRow | undefined;
    return r ? fromRow(r) : undefined;
  },
};

export const agentsModule: ReplicatedModule<AgentCommand> = {
  name: 'agents',
  apply: {
    ADMIT_AGENT: (db, cmd) => agentsTable.upsert(db, cmd.agent),
    UPDATE_AGENT: (db, cmd) => agentsTable.upsert(db, cmd.agent),
    REMOVE_AGENT: (db, cmd) => {
      agentsTable.remove(db, cmd.agentId);
      unreachableTable.clear(db, cmd.agentId);
      agentMaintenanceTable.clear(db, cmd.agentId);
      reservationsTable.clear(db, cmd.agentId);
    },
    MARK_AGENT_UNREACHABLE: (db, cmd) => {
      if (agentsTable.get(db, cmd.agentId)) unreachableTable.mark(db, cmd.agentId, cmd.at);
    },
    MARK_AGENT_REACHABLE: (db, cmd) => unreachableTable.clear(db, cmd.agentId),
    SET_AGENT_MAINTENANCE: (db, cmd) => {
      if (agentsTable.get(db, cmd.agentId)) agentMaintenanceTable.set(db, cmd.agentId, cmd.maintenance);
    },
  },
  tables: [{ name: 'agents' }, { name: 'unreachable_agents' }, { name: 'agent_maintenance' }],
};
