import path from 'node:path';
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { openDatabase } from '../lib/sqlite.js';
import { migrate } from './migrations.js';
import { applyCommand } from './apply.js';
import { decodeCommandBytes, type AgentRecord, type RegistryCommand } from './commands.js';
import type { StateMachine } from '../consensus/state-machine.js';
import { agentsTable } from './agents-table.js';
import { rolesTable, type RoleQuotaRecord } from './roles-table.js';
import { frameworksTable, type StoredFramework } from './frameworks-table.js';
import { metaTable } from './meta-table.js';
import { unreachableTable } from './unreachable-table.js';
import { maintenanceTable, type MaintenanceRecord } from './maintenance-table.js';
import { agentMaintenanceTable, type AgentMaintenanceRecord } from './agent-maintenance-table.js';
import { securityTable, type ClusterCaRecord, type JoinTokenRow, type PrincipalRow } from './security-table.js';
import { restoreRegistry, snapshotRegistry } from './snapshot.js';
import { reservationsTable } from './reservations-table.js';
import type { Resource } from '../domain/resources.js';

/** The replicated state machine (SQLite, WAL). Reads are local; writes arrive only through `apply`. */
export class Registry implements StateMachine {
  private constructor(readonly db: Database.Database) {}

  static open(dataDir: string): Registry {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = openDatabase(path.join(dataDir, 'registry.db'));
    migrate(db);
    return new Registry(db);
  }

  /** Applies one committed entry, atomically (in the caller's transaction if there is one). */
  apply(index: number, cmd: RegistryCommand): void {
    // The Raft driver already holds a transaction around a whole Ready: no savepoint per entry.
    if (this.db.inTransaction) applyCommand(this.db, index, cmd);
    else this.db.transaction(() => applyCommand(this.db, index, cmd))();
  }

  /** A committed Raft entry: its payload is an encoded command; none (no-op, membership change) is a NOOP. */
  applyEntry(index: number, command: Uint8Array | null): void {
    this.apply(index, command === null ? { type: 'NOOP' } : decodeCommandBytes(command));
  }

  /** The replicated tables as bytes (a Raft snapshot image at appliedIndex()). */
  snapshot(): Uint8Array {
    return snapshotRegistry(this.db);
  }

  /** Replaces the replicated state with a snapshot image taken at `index`, in one transaction. */
  restore(bytes: Uint8Array, index: number): void {
    restoreRegistry(this.db, bytes, index);
  }

  appliedIndex(): number {
    return metaTable.appliedIndex(this.db);
  }

  agents(): AgentRecord[] {
    return agentsTable.list(this.db);
  }

  agent(id: string): AgentRecord | undefined {
    return agentsTable.get(this.db, id);
  }

  /** Agents marked unreachable, with the time (ms) they were marked. */
  unreachableAgents(): Map<string, number> {
    return new Map(unreachableTable.list(this.db).map((r) => [r.id, r.since]));
  }

  /** Agents the operator deactivated or drains (DEACTIVATE_AGENT, DRAIN_AGENT). */
  agentMaintenance(): Map<string, AgentMaintenanceRecord> {
    return agentMaintenanceTable.list(this.db);
  }

  /** Per agent, the dynamic reservations the master made on it (RESERVE / UNRESERVE). */
  agentReservations(): Map<string, Resource[]> {
    return reservationsTable.list(this.db);
  }

  /** The maintenance schedule and the DOWN machines. */
  maintenance(): MaintenanceRecord {
    return maintenanceTable.get(this.db);
  }

  frameworks(): StoredFramework[] {
    return frameworksTable.list(this.db);
  }

  roleWeights(): Map<string, number> {
    return rolesTable.weights(this.db);
  }

  roleQuotas(): RoleQuotaRecord[] {
    return rolesTable.quotas(this.db);
  }

  clusterCa(): ClusterCaRecord | undefined {
    return securityTable.clusterCa(this.db);
  }

  joinToken(id: string): JoinTokenRow | undefined {
    return securityTable.joinToken(this.db, id);
  }

  joinTokens(): JoinTokenRow[] {
    return securityTable.joinTokens(this.db);
  }

  principal(name: string): PrincipalRow | undefined {
    return securityTable.principal(this.db, name);
  }

  principals(): PrincipalRow[] {
    return securityTable.principals(this.db);
  }

  isFrameworkRemoved(id: string): boolean {
    return frameworksTable.isRemoved(this.db, id);
  }

  close(): void {
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }
}
