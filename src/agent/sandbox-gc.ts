// Sandbox garbage collection, as Mesos's agent does it (src/slave/gc.cpp, Slave::checkDiskUsage):
//
// - an ended task's sandbox (its executor run directory) is scheduled for removal --gc-delay after it
//   ended (default 1weeks);
// - every --disk-watch-interval (default 1mins) the agent measures how full the file system of its work
//   dir is and computes the largest age a sandbox may reach:
//       max age = gc_delay * max(0, 1 - gc_disk_headroom - disk usage)
//   (--gc-disk-headroom, default 0.1); every scheduled sandbox older than that is removed at once
//   ("prune"), so the fuller the disk, the sooner sandboxes go; at 90% full with the default headroom, all of them;
// - after an agent restart, run directories of tasks that no longer run are scheduled by their mtime.
//
// planGc and maxAllowedAgeMs are pure (time and disk usage are inputs); SandboxGc drives them on a Clock.
import { readdir, rm, rmdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { LATEST, agentsDir } from './paths.js';

export const DEFAULT_GC_DELAY_MS = 7 * 24 * 3600 * 1000;
export const DEFAULT_GC_DISK_HEADROOM = 0.1;
export const DEFAULT_DISK_WATCH_INTERVAL_MS = 60 * 1000;

/** Mesos Slave::age: how old a finished sandbox may get at this disk usage (0..1). */
export function maxAllowedAgeMs(gcDelayMs: number, headroom: number, diskUsage: number): number {
  return gcDelayMs * Math.max(0, 1 - headroom - diskUsage);
}

export interface GcEntry {
  path: string;
  /** When the sandbox's task ended (wall clock, ms). */
  doneAtMs: number;
}

export interface GcPlan {
  /** Sandboxes to remove now, oldest first. */
  remove: string[];
  /** When the next of the others is due by --gc-delay alone (wall clock, ms); null when none is left. */
  nextAtMs: number | null;
}

/**
 * Which sandboxes go now: those older than `maxAgeMs` (the prune at a disk check; pass gcDelayMs for
 * the timer's view, where only --gc-delay counts). The rest are due at doneAt + gcDelay.
 */
export function planGc(entries: Iterable<GcEntry>, nowMs: number, gcDelayMs: number, maxAgeMs: number): GcPlan {
  const age = Math.min(maxAgeMs, gcDelayMs);
  const remove: GcEntry[] = [];
  let nextAtMs: number | null = null;
  for (const e of entries) {
    if (e.doneAtMs + age <= nowMs) remove.push(e);
    else nextAtMs = Math.min(nextAtMs ?? Infinity, e.doneAtMs + gcDelayMs);
  }
  remove.sort((a, b) => a.doneAtMs - b.doneAtMs || (a.path < b.path ? -1 : 1));
  return { remove: remove.map((e) => e.path), nextAtMs };
}

/** Mesos fs::usage: the used fraction of the file system holding `dir` ((blocks - free) / blocks). */
export async function diskUsage(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.blocks > 0 ? (s.blocks - s.bfree) / s.blocks : 0;
}

export interface SandboxGcOptions {
  workDir: string;
  clock: Clock;
  logger: Logger;
  gcDelayMs?: number;
  headroom?: number;
  diskWatchIntervalMs?: number;
  /** The used fraction of the work dir's file system (default: statfs). */
  measureDisk?: (dir: string) => Promise<number>;
  /** Sandboxes of tasks that still run: never scheduled by the restart scan. */
  isLive?: (sandbox: string) => boolean;
}

export interface SandboxGcStats {
  removalsSucceeded: number;
  removalsFailed: number;
  pending: number;
  /** The max age computed at the last disk check (gc_delay before the first). */
  maxAllowedAgeMs: number;
  /** Disk usage measured at the last check, 0..1; null before the first. */
  diskUsage: number | null;
}

export class SandboxGc {
  private readonly scheduled = new Map<string, number>();
  private readonly gcDelayMs: number;
  private readonly headroom: number;
  private readonly intervalMs: number;
  private readonly root: string;
  private timer: Timer | null = null;
  private watch: Timer | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private maxAgeMs: number;
  private lastUsage: number | null = null;
  private succeeded = 0;
  private failed = 0;

  constructor(private readonly opts: SandboxGcOptions) {
    this.gcDelayMs = opts.gcDelayMs ?? DEFAULT_GC_DELAY_MS;
    this.headroom = opts.headroom ?? DEFAULT_GC_DISK_HEADROOM;
    this.intervalMs = opts.diskWatchIntervalMs ?? DEFAULT_DISK_WATCH_INTERVAL_MS;
    this.maxAgeMs = this.gcDelayMs;
    this.root = path.resolve(agentsDir(opts.workDir));
  }

  stats(): SandboxGcStats {
    return {
      removalsSucceeded: this.succeeded, removalsFailed: this.failed, pending: this.scheduled.size,
      maxAllowedAgeMs: this.maxAgeMs, diskUsage: this.lastUsage,
    };
  }

  /** Paths scheduled now, with when their task ended. */
  entries(): GcEntry[] {
    return [...this.scheduled].map(([p, doneAtMs]) => ({ path: p, doneAtMs }));
  }

  /** Schedules a sandbox below the work dir's sandboxes (anything else is refused: the GC removes files). */
  schedule(sandbox: string, doneAtMs = this.opts.clock.now()): void {
    const p = path.resolve(sandbox);
    if (!this.isBelowRoot(p)) {
      this.opts.logger.warn('not scheduling a path outside the sandboxes for gc', { path: p });
      return;
    }
    this.scheduled.set(p, doneAtMs);
    this.rearm();
  }

  unschedule(sandbox: string): boolean {
    const had = this.scheduled.delete(path.resolve(sandbox));
    if (had) this.rearm();
    return had;
  }

  /**
   * Schedules the run directories left by an earlier run (by mtime), then checks the disk now (in the
   * background: removing a backlog must not hold up the agent's start; see idle()) and every interval.
   */
  async start(): Promise<void> {
    await this.scanExisting();
    this.watch = this.opts.clock.setInterval(() => void this.checkDisk(), this.intervalMs);
    void this.checkDisk();
  }

  /** Resolves once the checks and removals started so far are done. */
  idle(): Promise<void> {
    return this.running;
  }

  /** Stops the timers and waits for a removal in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.watch?.cancel();
    this.timer = null;
    this.watch = null;
    await this.running;
  }

  /** One disk check: measure, recompute the max age, prune what is older (Slave::_checkDiskUsage). */
  checkDisk(): Promise<void> {
    return this.serially(async () => {
      let usage: number;
      try {
        usage = await (this.opts.measureDisk ?? diskUsage)(this.opts.workDir);
      } catch (err) {
        this.opts.logger.warn('cannot measure the disk usage of the work dir', { error: err instanceof Error ? err.message : String(err) });
        return;
      }
      this.lastUsage = usage;
      this.maxAgeMs = maxAllowedAgeMs(this.gcDelayMs, this.headroom, usage);
      this.opts.logger.debug('disk usage', { percent: Math.round(usage * 10000) / 100, maxAllowedAgeSecs: this.maxAgeMs / 1000 });
      await this.removeDue(this.maxAgeMs);
    });
  }

  private serially(f: () => Promise<void>): Promise<void> {
    const next = this.running.then(() => (this.stopped ? undefined : f()));
    this.running = next.catch((err: unknown) => this.opts.logger.warn('sandbox gc failed', { error: err instanceof Error ? err.message : String(err) }));
    return this.running;
  }

  private rearm(): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = null;
    const { nextAtMs } = planGc(this.entries(), -Infinity, this.gcDelayMs, this.gcDelayMs);
    if (nextAtMs === null) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      void this.serially(() => this.removeDue(this.gcDelayMs));
    }, Math.max(0, nextAtMs - this.opts.clock.now()));
  }

  private async removeDue(maxAgeMs: number): Promise<void> {
    const plan = planGc(this.entries(), this.opts.clock.now(), this.gcDelayMs, maxAgeMs);
    for (const p of plan.remove) {
      if (this.stopped) break;
      this.scheduled.delete(p);
      try {
        await rm(p, { recursive: true, force: true, maxRetries: 2 });
        this.succeeded++;
        this.opts.logger.info('removed sandbox', { path: p });
        await this.removeEmptyParents(p);
      } catch (err) {
        this.failed++;
        this.opts.logger.warn('cannot remove sandbox', { path: p, error: err instanceof Error ? err.message : String(err) });
      }
    }
    this.rearm();
  }

  /**
   * After a run directory: its executor directory once no run is left (only a dangling `latest`), then the
   * framework directory once it has no executor. Nothing above the framework directory is touched.
   */
  private async removeEmptyParents(runDir: string): Promise<void> {
    const runs = path.dirname(runDir);
    if (path.basename(runs) !== 'runs') return;
    const left = await readdir(runs).catch(() => null);
    if (left === null || left.some((n) => n !== LATEST)) return;
    const executorDir = path.dirname(runs);
    if (!this.isBelowRoot(executorDir)) return;
    await rm(executorDir, { recursive: true, force: true });
    const executors = path.dirname(executorDir);
    if (path.basename(executors) !== 'executors') return;
    // rmdir only removes empty directories: a framework with another executor keeps its tree.
    await rmdir(executors).then(() => rmdir(path.dirname(executors))).catch(() => undefined);
  }

  private isBelowRoot(p: string): boolean {
    const rel = path.relative(this.root, p);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  }

  /** slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>: the ones no live task owns, by mtime. */
  private async scanExisting(): Promise<void> {
    const list = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).filter((n) => n !== LATEST);
    let found = 0;
    for (const agent of await list(this.root)) {
      const fwsDir = path.join(this.root, agent, 'frameworks');
      for (const fw of await list(fwsDir)) {
        const exDir = path.join(fwsDir, fw, 'executors');
        for (const ex of await list(exDir)) {
          const runs = path.join(exDir, ex, 'runs');
          for (const run of await list(runs)) {
            const p = path.join(runs, run);
            if (this.scheduled.has(p) || this.opts.isLive?.(p) === true) continue;
            const st = await stat(p).catch(() => null);
            if (!st?.isDirectory()) continue;
            this.scheduled.set(p, st.mtimeMs);
            found++;
          }
        }
      }
    }
    if (found > 0) this.opts.logger.info('scheduled sandboxes of ended tasks for gc', { count: found });
    this.rearm();
  }
}
