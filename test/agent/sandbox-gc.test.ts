// Sandbox garbage collection (src/agent/sandbox-gc.ts), as Mesos's agent: the pure schedule (max age =
// gc_delay * max(0, 1 - headroom - disk usage); what is older goes at a disk check, the rest at gc_delay),
// the driver on real directories with a manual clock and an injected disk usage, and the real agent
// removing an ended task's sandbox after --gc-delay.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { SandboxGc, diskUsage, maxAllowedAgeMs, planGc } from '../../src/agent/sandbox-gc.js';
import { silentLogger } from '../../src/lib/log.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { tempDir } from '../helpers/process.js';
import { simCluster } from '../helpers/sim-cluster.js';
import { commandTask } from '../helpers/task-flows.js';
import { isOffers, offersOf, updateOf } from '../helpers/v1-client.js';

const H = 3600_000;

describe('maxAllowedAgeMs (Mesos Slave::age)', () => {
  it('is gc_delay x max(0, 1 - headroom - usage)', () => {
    const week = 7 * 24 * H;
    expect(maxAllowedAgeMs(week, 0.1, 0)).toBeCloseTo(0.9 * week);
    expect(maxAllowedAgeMs(week, 0.1, 0.5)).toBeCloseTo(0.4 * week);
    expect(maxAllowedAgeMs(10 * H, 0.1, 0.6)).toBeCloseTo(3 * H);
    expect(maxAllowedAgeMs(10 * H, 0, 0)).toBe(10 * H);
    // Past 1 - headroom full, nothing may age at all.
    expect(maxAllowedAgeMs(week, 0.1, 0.9)).toBe(0);
    expect(maxAllowedAgeMs(week, 0.1, 0.99)).toBe(0);
    expect(maxAllowedAgeMs(week, 1, 0)).toBe(0);
  });
});

describe('--gc-delay, --gc-disk-headroom, --disk-watch-interval', () => {
  const config = (flags: Record<string, string>) => resolveUpConfig({ role: 'all', ...flags }, {});
  it("default to Mesos's 1weeks, 0.1 and 1mins, and take other values", () => {
    expect(config({})).toMatchObject({ gcDelayMs: 7 * 24 * H, gcDiskHeadroom: 0.1, diskWatchIntervalMs: 60_000 });
    expect(config({ gcDelay: '2days', gcDiskHeadroom: '0.25', diskWatchInterval: '30secs' })).toMatchObject({ gcDelayMs: 48 * H, gcDiskHeadroom: 0.25, diskWatchIntervalMs: 30_000 });
    expect(resolveUpConfig({ role: 'all' }, { TSMESOS_GC_DISK_HEADROOM: '1' }).gcDiskHeadroom).toBe(1);
  });
  it('refuse values Mesos refuses, naming the flag and what it takes', () => {
    expect(() => config({ gcDiskHeadroom: '1.5' })).toThrow("invalid --gc-disk-headroom '1.5' (from the command line): expected a number from 0.0 to 1.0");
    expect(() => config({ gcDiskHeadroom: '-0.1' })).toThrow('expected a number from 0.0 to 1.0');
    expect(() => config({ gcDiskHeadroom: 'lots' })).toThrow('expected a number from 0.0 to 1.0');
    expect(() => config({ gcDelay: '0secs' })).toThrow('invalid --gc-delay');
    expect(() => config({ diskWatchInterval: 'often' })).toThrow('invalid --disk-watch-interval');
  });
});

describe('planGc', () => {
  const entries = [
    { path: '/w/c', doneAtMs: 3 * H },
    { path: '/w/a', doneAtMs: 1 * H },
    { path: '/w/b', doneAtMs: 2 * H },
  ];
  it('removes, oldest first, what is at least max age old; the others are due at gc_delay', () => {
    expect(planGc(entries, 4 * H, 10 * H, 2 * H)).toEqual({ remove: ['/w/a', '/w/b'], nextAtMs: 13 * H });
    expect(planGc(entries, 4 * H, 10 * H, 3 * H)).toEqual({ remove: ['/w/a'], nextAtMs: 12 * H });
    expect(planGc(entries, 4 * H, 10 * H, 3 * H + 1)).toEqual({ remove: [], nextAtMs: 11 * H });
    expect(planGc(entries, 4 * H, 10 * H, 0)).toEqual({ remove: ['/w/a', '/w/b', '/w/c'], nextAtMs: null });
  });
  it('never keeps anything past gc_delay, whatever max age says', () => {
    expect(planGc(entries, 12 * H, 10 * H, 100 * H)).toEqual({ remove: ['/w/a', '/w/b'], nextAtMs: 13 * H });
    expect(planGc([], 0, 10 * H, 0)).toEqual({ remove: [], nextAtMs: null });
  });
});

describe('SandboxGc on real directories', () => {
  const setup = (opts: { isLive?: (p: string) => boolean } = {}) => {
    const workDir = tempDir('tsmesos-gc-');
    const clock = new ManualClock();
    let usage: number | Error = 0;
    const gc = new SandboxGc({
      workDir, clock, logger: silentLogger, gcDelayMs: 10 * H, headroom: 0.1, diskWatchIntervalMs: H,
      measureDisk: async () => {
        await Promise.resolve();
        if (usage instanceof Error) throw usage;
        return usage;
      },
      ...opts,
    });
    const run = (fw: string, ex: string, container: string): string => {
      const dir = path.join(workDir, 'slaves', 'A1', 'frameworks', fw, 'executors', ex, 'runs', container);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'stdout'), 'out\n');
      const latest = path.join(path.dirname(dir), 'latest');
      fs.rmSync(latest, { force: true });
      fs.symlinkSync(container, latest);
      return dir;
    };
    return { workDir, clock, gc, run, setUsage: (u: number | Error) => (usage = u) };
  };

  it('removes a sandbox once it is max age old, sooner as the disk fills, and cleans its empty parents', async () => {
    const { workDir, clock, gc, run, setUsage } = setup();
    await gc.start();
    await gc.idle();
    const a = run('F1', 'E1', 'C1');
    const keep = run('F1', 'E2', 'C2'); // another executor of the framework, still running
    gc.schedule(a);
    // Empty disk: max age 9 h (10 h x 0.9); checks every hour.
    await clock.advance(8 * H);
    expect(fs.existsSync(a)).toBe(true);
    expect(gc.stats()).toMatchObject({ pending: 1, removalsSucceeded: 0, maxAllowedAgeMs: 9 * H, diskUsage: 0 });
    await clock.advance(H);
    expect(fs.existsSync(a)).toBe(false);
    // Its executor directory went with it; the framework directory stays for the other executor.
    expect(fs.existsSync(path.join(workDir, 'slaves', 'A1', 'frameworks', 'F1', 'executors', 'E1'))).toBe(false);
    expect(fs.existsSync(keep)).toBe(true);
    expect(gc.stats()).toMatchObject({ pending: 0, removalsSucceeded: 1, removalsFailed: 0 });

    // 60% full: max age 10 h x (1 - 0.1 - 0.6) = 3 h.
    setUsage(0.6);
    const b = run('F2', 'E1', 'C3');
    gc.schedule(b);
    await clock.advance(2 * H);
    expect(fs.existsSync(b)).toBe(true);
    expect(gc.stats().maxAllowedAgeMs).toBeCloseTo(3 * H);
    await clock.advance(H);
    expect(fs.existsSync(b)).toBe(false);
    // F2 had no other executor: its directory is gone too.
    expect(fs.existsSync(path.join(workDir, 'slaves', 'A1', 'frameworks', 'F2'))).toBe(false);

    // Past 90% full: everything ended goes at the next check.
    setUsage(0.95);
    const c = run('F3', 'E1', 'C4');
    gc.schedule(c);
    await clock.advance(H - 1);
    expect(fs.existsSync(c)).toBe(true);
    await clock.advance(1);
    expect(fs.existsSync(c)).toBe(false);
    expect(gc.stats()).toMatchObject({ removalsSucceeded: 3, maxAllowedAgeMs: 0, diskUsage: 0.95 });
    await gc.stop();
    expect(fs.existsSync(keep)).toBe(true);
  });

  it('without a disk measurement, removes at gc_delay exactly; unschedule keeps a sandbox', async () => {
    const { clock, gc, run, setUsage } = setup();
    setUsage(new Error('statfs failed'));
    await gc.start();
    await gc.idle();
    const a = run('F1', 'E1', 'C1');
    const kept = run('F1', 'E2', 'C2');
    gc.schedule(a);
    gc.schedule(kept);
    expect(gc.unschedule(kept)).toBe(true);
    expect(gc.unschedule(kept)).toBe(false);
    await clock.advance(10 * H - 1);
    expect(fs.existsSync(a)).toBe(true);
    await clock.advance(1);
    expect(fs.existsSync(a)).toBe(false);
    expect(fs.existsSync(kept)).toBe(true);
    expect(gc.stats()).toMatchObject({ pending: 0, removalsSucceeded: 1, maxAllowedAgeMs: 10 * H, diskUsage: null });
    await gc.stop();
  });

  it('after a restart, schedules the run directories no live task owns by their mtime; refuses paths outside the sandboxes', async () => {
    const { workDir, clock, gc, run } = setup({ isLive: (p) => p.endsWith('live') });
    const old = run('F1', 'E1', 'old');
    const recent = run('F1', 'E2', 'recent');
    const live = run('F1', 'E3', 'live');
    const secs = (ms: number): number => ms / 1000;
    fs.utimesSync(old, secs(clock.now() - 20 * H), secs(clock.now() - 20 * H));
    fs.utimesSync(recent, secs(clock.now() - 2 * H), secs(clock.now() - 2 * H));
    const outside = tempDir('tsmesos-gc-outside-');
    gc.schedule(outside);
    gc.schedule(path.join(workDir, 'slaves'));
    await gc.start();
    await gc.idle();
    // The old one is past gc_delay: removed by the first disk check; the live one is never scheduled.
    expect(fs.existsSync(old)).toBe(false);
    expect(gc.entries().map((e) => path.basename(e.path))).toEqual(['recent']);
    await clock.advance(7 * H); // recent: 9 h old now
    expect(fs.existsSync(recent)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.existsSync(outside)).toBe(true);
    await gc.stop();
  });

  it('measures the real disk usage of the work dir as a fraction', async () => {
    const u = await diskUsage(tempDir());
    expect(u).toBeGreaterThan(0);
    expect(u).toBeLessThan(1);
  });
});

describe('the agent removes an ended task\'s sandbox after --gc-delay', () => {
  it('keeps the sandbox when the task ends, removes it by gc-delay, and counts it', async () => {
    const c = await simCluster({ flags: { gcDelay: '1mins', diskWatchInterval: '10secs' } });
    const s = await c.scheduler({ name: 'gc' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('short', offer.agent_id.value, 'echo bye')] } }] } });
    for (;;) {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE'));
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (u.state === 'TASK_FINISHED') break;
      await c.settle();
    }
    const state = (await (await fetch(`${c.agent}/state`)).json()) as { frameworks: { completed_executors: { directory: string }[] }[] };
    const sandbox = state.frameworks[0]!.completed_executors[0]!.directory;
    expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).toBe('bye\n');
    const metrics = async (): Promise<Record<string, number>> => (await (await fetch(`${c.agent}/metrics/snapshot`)).json()) as Record<string, number>;
    expect(await metrics()).toMatchObject({ 'gc/path_removals_pending': 1, 'gc/path_removals_succeeded': 0 });
    await c.advance(60_000);
    expect(fs.existsSync(sandbox)).toBe(false);
    expect((await fetch(`${c.agent}/files/browse?path=${encodeURIComponent(sandbox)}`)).status).toBe(404);
    expect(await metrics()).toMatchObject({ 'gc/path_removals_pending': 0, 'gc/path_removals_succeeded': 1 });
  });
});
