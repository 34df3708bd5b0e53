import type Database from 'better-sqlite3';

// One module per table: what the operator set on an agent (Mesos registry `slaves.deactivated`
// and `slaves.drain_info`): deactivated (no offers) and its drain, kept across master failovers.

export interface AgentDrainRecord {
  state: 'DRAINING' | 'DRAINED';
  /** DrainConfig.max_grace_period in ms; null: each task's own kill policy. */
  maxGracePeriodMs: number | null;
  markGone: boolean;
}

export interface AgentMaintenanceRecord {
  deactivated: boolean;
  drain: AgentDrainRecord | null;
}

interface Row { id: string; deactivated: number; drain: string | null }

export const agentMaintenanceTable = {
  set(db: Database.Database, id: string, m: AgentMaintenanceRecord): void {
    if (!m.deactivated && m.drain === null) {
      db.prepare('DELETE FROM agent_maintenance WHERE id = ?').run(id);
      return;
    }
    db.prepare('INSERT INTO agent_maintenance (id, deactivated, drain) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET deactivated = excluded.deactivated, drain = excluded.drain')
      .run(id, m.deactivated ? 1 : 0, m.drain === null ? null : JSON.stringify(m.drain));
  },
  clear(db: Database.Database, id: string): void {
    db.prepare('DELETE FROM agent_maintenance WHERE id = ?').run(id);
  },
  list(db: Database.Database): Map<string, AgentMaintenanceRecord> {
    const rows = db.prepare('SELECT id, deactivated, drain FROM agent_maintenance ORDER BY id').all() as Row[];
    return new Map(rows.map((r) => [r.id, { deactivated: r.deactivated === 1, drain: r.drain === null ? null : (JSON.parse(r.drain) as AgentDrainRecord) }]));
  },
};
