// A real SQLite database file (WAL mode) with a model of the OS page cache in front of its
// disk: a write is visible at once but survives a power cut only once it was fsynced.
//
// What SQLite fsyncs, in WAL mode, is documented: a commit at synchronous=FULL fsyncs the WAL
// (and with it every earlier frame: the WAL is written sequentially); a commit at NORMAL does
// not; a checkpoint fsyncs the WAL, copies it into the database file and fsyncs that. So:
//   - automatic checkpoints are off (wal_autocheckpoint=0) and checkpoint() runs one
//     (TRUNCATE) when the caller says: the database file then changes only at checkpoints,
//     which are durable, and the WAL only grows between them;
//   - every commit on the connection is seen (the Database handed out is a proxy that notices
//     when a transaction, statement or exec leaves no transaction open) and, if the connection
//     is at synchronous=FULL at that moment, the WAL's current length becomes durable (the mode
//     is read again from the connection after any SQL that could have changed it);
//   - a crash keeps the database file and the WAL up to its durable length, drops the rest
//     (the unsynced tail of the WAL), and SQLite's own recovery reopens what is left.
// The synchronous mode is read from the connection itself at each commit, not taken from the
// caller's intent, so a driver that believes it is at FULL while SQLite is not is caught.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/** What a power cut leaves on disk. */
export interface DiskImage {
  readonly db: Buffer;
  readonly wal: Buffer;
}

export class PageCacheDb {
  private raw: Database.Database | null = null;
  private handle: Database.Database | null = null;
  /** Bytes of the WAL known to be on disk. */
  private durableWal = 0;
  /** The connection's synchronous mode as last read from it; null once SQL may have changed it. */
  private syncMode: number | null = null;
  readonly stats = { commits: 0, syncedCommits: 0, checkpoints: 0, crashes: 0, lostWalBytes: 0 };

  constructor(readonly file: string) {}

  private get walFile(): string {
    return `${this.file}-wal`;
  }

  /** Opens (or reopens after a crash) the database; the returned handle is the one to use. */
  open(): Database.Database {
    if (this.raw) throw new Error('already open');
    const raw = new Database(this.file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('wal_autocheckpoint = 0');
    this.raw = raw;
    // Whatever the files hold now is on disk (a fresh file, or what a crash left).
    this.durableWal = this.walLength();
    this.syncMode = null;
    this.handle = watchCommits(raw, () => this.committed(), () => { this.syncMode = null; });
    return this.handle;
  }

  get db(): Database.Database {
    if (!this.handle) throw new Error('not open');
    return this.handle;
  }

  get isOpen(): boolean {
    return this.raw !== null;
  }

  private walLength(): number {
    try {
      return fs.statSync(this.walFile).size;
    } catch {
      return 0;
    }
  }

  private committed(): void {
    this.stats.commits++;
    this.syncMode ??= this.raw!.pragma('synchronous', { simple: true }) as number;
    if (this.syncMode >= 2) {
      this.stats.syncedCommits++;
      this.durableWal = this.walLength();
    }
  }

  /** A checkpoint (TRUNCATE): fsyncs the WAL, copies it into the database file, empties it. */
  checkpoint(): void {
    const raw = this.raw;
    if (!raw || raw.inTransaction) return;
    const [r] = raw.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    if (r?.busy !== 0) throw new Error('checkpoint did not complete');
    this.durableWal = 0;
    this.stats.checkpoints++;
  }

  /** What a power cut right now would leave. */
  image(): DiskImage {
    if (!this.raw) throw new Error('not open');
    const db = fs.readFileSync(this.file);
    let wal = Buffer.alloc(0);
    if (this.durableWal > 0) {
      const fd = fs.openSync(this.walFile, 'r');
      try {
        wal = Buffer.alloc(this.durableWal);
        const n = fs.readSync(fd, wal, 0, this.durableWal, 0);
        if (n !== this.durableWal) throw new Error(`WAL shorter (${n}) than its durable length ${this.durableWal}`);
      } finally {
        fs.closeSync(fd);
      }
    }
    return { db, wal };
  }

  /**
   * A power cut: closes the connection and leaves on disk only `image` (by default what was
   * durable just now; a caller that decided the crash earlier passes the image of that moment).
   */
  crash(image: DiskImage = this.image()): void {
    if (!this.raw) throw new Error('not open');
    this.stats.crashes++;
    this.stats.lostWalBytes += Math.max(0, this.walLength() - image.wal.length);
    this.raw.close(); // checkpoints into the files: overwritten just below
    this.raw = null;
    this.handle = null;
    fs.writeFileSync(this.file, image.db);
    if (image.wal.length > 0) fs.writeFileSync(this.walFile, image.wal);
    else fs.rmSync(this.walFile, { force: true });
    fs.rmSync(`${this.file}-shm`, { force: true });
  }

  /** A clean shutdown: SQLite checkpoints and fsyncs at close, so everything is durable. */
  close(): void {
    if (!this.raw) return;
    this.raw.close();
    this.raw = null;
    this.handle = null;
    this.durableWal = 0;
  }

  static inDir(dir: string, name = 'node.db'): PageCacheDb {
    return new PageCacheDb(path.join(dir, name));
  }
}

type AnyFn = (...args: unknown[]) => unknown;

/** `target`'s methods bound to it, made once per method (a proxy's get runs at every call). */
function boundCache(target: object): (prop: string | symbol, v: unknown) => unknown {
  const cache = new Map<string | symbol, unknown>();
  return (prop, v) => {
    if (typeof v !== 'function') return v;
    let b = cache.get(prop);
    if (b === undefined) {
      b = (v as AnyFn).bind(target);
      cache.set(prop, b);
    }
    return b;
  };
}

const SETS_SYNC = /synchronous/i;

/**
 * `raw` with every commit reported to `onCommit` (a commit: a call that leaves no transaction
 * open), and `onSyncMaybeChanged` called whenever SQL that could change the synchronous mode
 * reaches the connection (a pragma, an exec, a statement mentioning it, prepared or run).
 */
function watchCommits(raw: Database.Database, onCommit: () => void, onSyncMaybeChanged: () => void): Database.Database {
  const after = <T>(r: T): T => {
    if (!raw.inTransaction) onCommit();
    return r;
  };
  const wrapStatement = (st: Database.Statement, mentionsSync: boolean): Database.Statement => {
    const bound = boundCache(st);
    const run = (...a: unknown[]): unknown => {
      if (mentionsSync) onSyncMaybeChanged();
      return after((st.run as AnyFn).apply(st, a));
    };
    return new Proxy(st, {
      get(target, prop) {
        if (prop === 'run') return run;
        return bound(prop, Reflect.get(target, prop, target));
      },
    });
  };
  const bound = boundCache(raw);
  const methods = {
    prepare: (sql: string) => {
      const mentionsSync = SETS_SYNC.test(sql);
      if (mentionsSync) onSyncMaybeChanged();
      return wrapStatement(raw.prepare(sql), mentionsSync);
    },
    exec: (sql: string) => {
      onSyncMaybeChanged();
      raw.exec(sql);
      return after(handle);
    },
    pragma: (sql: string, o?: Database.PragmaOptions) => {
      onSyncMaybeChanged();
      return raw.pragma(sql, o);
    },
    transaction: (fn: AnyFn) => {
      const tx = raw.transaction(fn) as unknown as AnyFn;
      return (...a: unknown[]) => after(tx(...a));
    },
  };
  const handle: Database.Database = new Proxy(raw, {
    get(target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(methods, prop)) return methods[prop as keyof typeof methods];
      return bound(prop, Reflect.get(target, prop, target));
    },
  });
  return handle;
}
