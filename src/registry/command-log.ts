import type { RegistryCommand } from './commands.js';
import { encodeCommand, decodeCommand } from './commands.js';
import type { Registry } from './registry.js';

/** Where the master sends registry changes. Resolves once the command is committed and applied. */
export interface CommandLog {
  propose(cmd: RegistryCommand): Promise<number>;
}

/**
 * A single-voter log: append and apply in the same SQLite transaction, so a
 * crash can never leave an appended-but-unapplied entry. The Raft log replaces
 * this when masters form a quorum.
 */
export class SingleVoterLog implements CommandLog {
  constructor(private readonly registry: Registry) {
    this.replayUnapplied();
  }

  propose(cmd: RegistryCommand): Promise<number> {
    const db = this.registry.db;
    const index = db.transaction(() => {
      const last = db.prepare('SELECT COALESCE(MAX(idx), 0) AS idx FROM registry_log').get() as { idx: number };
      const next = last.idx + 1;
      db.prepare('INSERT INTO registry_log (idx, term, command) VALUES (?, 1, ?)').run(next, encodeCommand(cmd));
      this.registry.apply(next, cmd);
      return next;
    })();
    return Promise.resolve(index);
  }

  /** Defensive: entries written by an older layout that appended without applying. */
  private replayUnapplied(): void {
    const applied = this.registry.appliedIndex();
    const rows = this.registry.db
      .prepare('SELECT idx, command FROM registry_log WHERE idx > ? ORDER BY idx')
      .all(applied) as { idx: number; command: string }[];
    for (const r of rows) this.registry.apply(r.idx, decodeCommand(r.command));
  }
}
