// The shape of one replicated part of the registry. Adding a replicated table is one module:
// its tables (a migration in migrations.ts creates them), the commands that change them with
// one apply case each, and which of their rows travel in snapshots. commands.ts (the known
// command types, the decoder), apply.ts (the one apply switch) and snapshot.ts (the image's
// tables) are derived from the list in modules.ts; nothing else needs to change.
import type Database from 'better-sqlite3';

export interface Command {
  readonly type: string;
}

/**
 * One apply case per command type the module owns. Each runs inside the entry's transaction
 * and must be deterministic: no clock (time travels in the command), no randomness, no I/O
 * besides this database.
 */
export type ApplyCases<C extends Command> = {
  readonly [T in C['type']]: (db: Database.Database, cmd: Extract<C, { type: T }>) => void;
};

export interface SnapshotTable {
  readonly name: string;
  /** Rows that are this node's own bookkeeping (e.g. its applied index): left out of snapshot images. */
  readonly isLocalRow?: (row: Record<string, unknown>) => boolean;
}

export interface ReplicatedModule<C extends Command> {
  readonly name: string;
  readonly apply: ApplyCases<C>;
  /** Its tables, restored from a snapshot image in this order. */
  readonly tables: readonly SnapshotTable[];
}

/** The command union of a module list: `ModuleCommand<(typeof MODULES)[number]>`. */
export type ModuleCommand<M> = M extends ReplicatedModule<infer C> ? C : never;
