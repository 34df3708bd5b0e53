import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { RaftDriver } from '../../src/consensus/driver.js';
import type { StateMachine } from '../../src/consensus/state-machine.js';
import { openDatabase } from '../../src/lib/sqlite.js';
import { systemClock } from '../../src/lib/clock.js';
import { seededRng } from '../../src/lib/rng.js';
import { silentLogger } from '../../src/lib/log.js';
import { tempDir, waitFor } from '../helpers/process.js';

// The consensus library replicates into any StateMachine, not only the registry: a list of
// strings in its own SQLite file, with no registry, master or command format involved.

class LinesMachine implements StateMachine {
  readonly nulls: number[] = [];
  constructor(readonly db: Database.Database) {
    db.exec('CREATE TABLE IF NOT EXISTS lines (idx INTEGER PRIMARY KEY, text TEXT NOT NULL); CREATE TABLE IF NOT EXISTS applied (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL)');
  }
  applyEntry(index: number, command: Uint8Array | null): void {
    if (index <= this.appliedIndex()) return;
    if (command === null) this.nulls.push(index);
    else this.db.prepare('INSERT INTO lines (idx, text) VALUES (?, ?)').run(index, new TextDecoder().decode(command));
    this.setApplied(index);
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.lines()));
  }
  restore(bytes: Uint8Array, index: number): void {
    this.db.prepare('DELETE FROM lines').run();
    const rows = bytes.length === 0 ? [] : (JSON.parse(new TextDecoder().decode(bytes)) as string[]);
    rows.forEach((text, i) => this.db.prepare('INSERT INTO lines (idx, text) VALUES (?, ?)').run(-1 - i, text));
    this.setApplied(index);
  }
  appliedIndex(): number {
    return (this.db.prepare('SELECT idx FROM applied WHERE id = 1').get() as { idx: number } | undefined)?.idx ?? 0;
  }
  lines(): string[] {
    return (this.db.prepare('SELECT text FROM lines ORDER BY idx').all() as { text: string }[]).map((r) => r.text);
  }
  private setApplied(index: number): void {
    this.db.prepare('INSERT OR REPLACE INTO applied (id, idx) VALUES (1, ?)').run(index);
  }
}

const open: { driver: RaftDriver; db: Database.Database }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) {
    o.driver.stop();
    o.db.close();
  }
});

function start(dir: string): { driver: RaftDriver; sm: LinesMachine } {
  const db = openDatabase(path.join(dir, 'lines.db'));
  const sm = new LinesMachine(db);
  const id = '127.0.0.1:7300';
  const driver = new RaftDriver({
    id, stateMachine: sm, bootstrapVoters: [id], transport: { send: () => undefined, close: () => undefined },
    clock: systemClock, rng: seededRng(7), logger: silentLogger, heartbeatIntervalMs: 20, electionTimeoutMs: 200,
  });
  open.push({ driver, db });
  driver.start();
  return { driver, sm };
}

describe('a StateMachine other than the registry', () => {
  it('gets the payloads of normal entries, null for the leader no-op, and survives a restart', async () => {
    const dir = tempDir('tsmesos-sm-');
    const { driver, sm } = start(dir);
    await waitFor('leader', () => (driver.leaderReady() ? true : undefined), 5000, 10);
    for (const text of ['a', 'b', 'c']) await driver.propose(new TextEncoder().encode(text));
    expect(sm.lines()).toEqual(['a', 'b', 'c']);
    const applied = sm.appliedIndex();
    // Everything else the log holds (the leader's no-op, membership) came without a payload.
    expect(sm.nulls.length).toBeGreaterThan(0);
    expect(sm.nulls.length + 3).toBe(applied);
    const first = open.pop()!;
    first.driver.stop();
    first.db.close();
    const again = start(dir);
    expect(again.sm.appliedIndex()).toBe(applied);
    await waitFor('leader again', () => (again.driver.leaderReady() ? true : undefined), 5000, 10);
    await again.driver.propose(new TextEncoder().encode('d'));
    expect(again.sm.lines()).toEqual(['a', 'b', 'c', 'd']);
  });
});
