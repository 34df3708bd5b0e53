import type Database from 'better-sqlite3';
import type { ReplicatedModule } from './replicated-module.js';

// One module per table: the maintenance schedule and the machines that are DOWN (Mesos registry
// `schedules` and `machines`), one row, replaced whole by each change.

/** A machine as the operator names it (maintenance.proto MachineID): hostname, IP, or both. */
export interface MachineKey {
  hostname?: string;
  ip?: string;
}

export interface MaintenanceWindowRecord {
  machines: MachineKey[];
  /** Unavailability.start, wall-clock ns. */
  startNs: number;
  /** Unavailability.duration in ns; null: unbounded. */
  durationNs: number | null;
}

export interface MaintenanceRecord {
  windows: MaintenanceWindowRecord[];
  /** Machines taken DOWN by START_MAINTENANCE (always also in a window). */
  down: MachineKey[];
}

export type MaintenanceCommand = { type: 'SET_MAINTENANCE'; maintenance: MaintenanceRecord };

export const maintenanceTable = {
  get(db: Database.Database): MaintenanceRecord {
    const r = db.prepare('SELECT value FROM maintenance WHERE id = 1').get() as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as MaintenanceRecord) : { windows: [], down: [] };
  },
  set(db: Database.Database, m: MaintenanceRecord): void {
    db.prepare('INSERT INTO maintenance (id, value) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET value = excluded.value').run(JSON.stringify(m));
  },
};

export const maintenanceModule: ReplicatedModule<MaintenanceCommand> = {
  name: 'maintenance',
  apply: {
    SET_MAINTENANCE: (db, cmd) => maintenanceTable.set(db, cmd.maintenance),
  },
  tables: [{ name: 'maintenance' }],
};
