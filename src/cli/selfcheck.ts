// Hidden `tsmesos selfcheck`: proves the embedded SQLite addon loads and works
// (used by test/e2e/binary.test.ts against the single-file build).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openDatabase } from '../lib/sqlite.js';

export function registerSelfcheck(program: Command): void {
  program
    .command('selfcheck', { hidden: true })
    .description('check that the embedded SQLite works (internal)')
    .requiredOption('--data-dir <dir>', 'directory for the scratch database')
    .action((opts: { dataDir: string }) => {
      const dir = resolve(opts.dataDir);
      mkdirSync(dir, { recursive: true });
      const db = openDatabase(join(dir, 'selfcheck.sqlite'));
      try {
        db.exec('CREATE TABLE IF NOT EXISTS selfcheck (id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
        const note = `selfcheck ${process.pid} ${Date.now()}`;
        const { lastInsertRowid } = db.prepare('INSERT INTO selfcheck (note) VALUES (?)').run(note);
        const row = db.prepare('SELECT note FROM selfcheck WHERE id = ?').get(lastInsertRowid) as { note: string } | undefined;
        if (row?.note !== note) throw new Error('selfcheck: row read back does not match the row written');
        const mode = db.pragma('journal_mode', { simple: true }) as string;
        if (mode.toLowerCase() !== 'wal') throw new Error(`selfcheck: journal_mode is ${mode}, expected wal`);
        const { v } = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
        process.stdout.write(`sqlite ok ${v}\n`);
      } finally {
        db.close();
      }
    });
}
