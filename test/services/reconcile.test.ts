import { describe, expect, it } from 'vitest';
import { launchDelayMs, reconcile, type DesiredApp, type ObservedInstance } from '../../src/services/reconcile.js';

const app = (over: Partial<DesiredApp> = {}): DesiredApp => ({
  id: '/web', instances: 3, configVersion: 'v1', minimumHealthCapacity: 1, maximumOverCapacity: 1, killSelection: 'YOUNGEST_FIRST', unreachable: null, ...over,
});

let seq = 0;
const inst = (over: Partial<ObservedInstance> = {}): ObservedInstance => ({
  taskId: `t${++seq}`, appId: '/web', agentId: 'a1', configVersion: 'v1', launchedAt: seq, state: 'RUNNING', killRequested: false, ...over,
});

const kills = (r: ReturnType<typeof reconcile>): string[] => r.actions.flatMap((a) => (a.type === 'kill' ? [a.taskId] : []));
const launches = (r: ReturnType<typeof reconcile>): number => r.actions.reduce((n, a) => n + (a.type === 'launch' ? a.count : 0), 0);

describe('reconcile: scaling', () => {
  it('launches what is missing and nothing once enough run', () => {
    expect(launches(reconcile([app()], [], new Map(), 0))).toBe(3);
    const one = [inst()];
    expect(launches(reconcile([app()], one, new Map(), 0))).toBe(2);
    const all = [inst(), inst(), inst()];
    const r = reconcile([app()], all, new Map(), 0);
    expect(r.actions).toEqual([]);
    expect(r.converged.has('/web')).toBe(true);
  });

  it('counts instances without a status yet (after a failover) and never duplicates them', () => {
    const r = reconcile([app()], [inst({ state: 'PENDING' }), inst({ state: 'PENDING' }), inst({ state: 'PENDING' })], new Map(), 0);
    expect(launches(r)).toBe(0);
    expect(kills(r)).toEqual([]);
    expect(r.converged.has('/web')).toBe(false);
  });

  it('scales down by killSelection, preferring instances that are not running', () => {
    const a = inst({ launchedAt: 1 });
    const b = inst({ launchedAt: 2 });
    const c = inst({ launchedAt: 3 });
    const staging = inst({ launchedAt: 0, state: 'STAGING' });
    expect(kills(reconcile([app({ instances: 2 })], [a, b, c], new Map(), 0))).toEqual([c.taskId]);
    expect(kills(reconcile([app({ instances: 2, killSelection: 'OLDEST_FIRST' })], [a, b, c], new Map(), 0))).toEqual([a.taskId]);
    expect(kills(reconcile([app({ instances: 2 })], [a, b, staging], new Map(), 0))).toEqual([staging.taskId]);
  });

  it('kills instances of removed apps once, and reports apps that still have instances', () => {
    const x = inst({ appId: '/gone' });
    const dying = inst({ appId: '/gone', killRequested: true });
    const r = reconcile([], [x, dying], new Map(), 0);
    expect(kills(r)).toEqual([x.taskId]);
    expect(r.withInstances.has('/gone')).toBe(true);
  });

  it('an instance asked to die is replaced but not killed again', () => {
    const dying = inst({ killRequested: true });
    const r = reconcile([app({ instances: 1 })], [dying], new Map(), 0);
    expect(kills(r)).toEqual([]);
    expect(launches(r)).toBe(1);
    expect(r.converged.has('/web')).toBe(false);
  });

  it('waits for the launch delay instead of launching', () => {
    const r = reconcile([app({ instances: 1 })], [], new Map([['/web', 5000]]), 4000);
    expect(r.actions).toEqual([{ type: 'wait', appId: '/web', until: 5000, missing: 1 }]);
    expect(launches(reconcile([app({ instances: 1 })], [], new Map([['/web', 5000]]), 5000))).toBe(1);
  });

  it('does not count an unhealthy instance as converged', () => {
    const r = reconcile([app({ instances: 1 })], [inst({ healthy: false })], new Map(), 0);
    expect(r.converged.has('/web')).toBe(false);
  });
});

describe('reconcile: rolling upgrades keep capacity', () => {
  /**
   * Drives an upgrade to the end: each step applies the actions (launches become new RUNNING
   * instances one step later, kills remove) and checks healthy capacity never drops below the floor.
   */
  function roll(n: number, minimumHealthCapacity: number, maximumOverCapacity: number): { steps: number; minHealthy: number; maxTotal: number } {
    const desired = app({ instances: n, configVersion: 'v2', minimumHealthCapacity, maximumOverCapacity });
    let live: ObservedInstance[] = Array.from({ length: n }, () => inst({ configVersion: 'v1' }));
    let minHealthy = Infinity;
    let maxTotal = 0;
    for (let step = 1; step <= 50; step++) {
      // Whatever started last step is now running.
      live = live.map((i) => (i.state === 'STAGING' ? { ...i, state: 'RUNNING' } : i));
      const r = reconcile([desired], live, new Map(), 0);
      if (r.converged.has('/web')) return { steps: step, minHealthy, maxTotal };
      const killed = new Set(kills(r));
      live = live.filter((i) => !killed.has(i.taskId));
      for (let k = 0; k < launches(r); k++) live.push(inst({ configVersion: 'v2', state: 'STAGING' }));
      minHealthy = Math.min(minHealthy, live.filter((i) => i.state === 'RUNNING').length);
      maxTotal = Math.max(maxTotal, live.length);
    }
    throw new Error('the upgrade did not converge in 50 steps');
  }

  it('minimumHealthCapacity 0.5: never below half, never above n + n*maximumOverCapacity', () => {
    const r = roll(4, 0.5, 0);
    expect(r.minHealthy).toBeGreaterThanOrEqual(2);
    expect(r.maxTotal).toBeLessThanOrEqual(4);
  });

  it('minimumHealthCapacity 1 with room to grow: starts new ones before killing any old one', () => {
    const r = roll(3, 1, 1);
    expect(r.minHealthy).toBeGreaterThanOrEqual(3);
    expect(r.maxTotal).toBeLessThanOrEqual(6);
  });

  it('minimumHealthCapacity 0: replaces everything at once', () => {
    const r = roll(3, 0, 0);
    expect(r.steps).toBeLessThanOrEqual(4);
  });

  it('old instances that are not healthy are killed without costing capacity', () => {
    const desired = app({ instances: 2, configVersion: 'v2', minimumHealthCapacity: 1, maximumOverCapacity: 0.5 });
    const sick = inst({ configVersion: 'v1', state: 'STAGING' });
    const fine = inst({ configVersion: 'v1' });
    const r = reconcile([desired], [sick, fine], new Map(), 0);
    expect(kills(r)).toEqual([sick.taskId]);
  });
});

describe('reconcile: readiness of health-checked instances', () => {
  it('an instance with a health check and no report yet is not healthy: the app has not converged', () => {
    const r = reconcile([app({ instances: 1 })], [inst({ healthChecked: true })], new Map(), 0);
    expect(r.converged.has('/web')).toBe(false);
    expect(r.actions).toEqual([]);
    expect(reconcile([app({ instances: 1 })], [inst({ healthChecked: true, healthy: true })], new Map(), 0).converged.has('/web')).toBe(true);
    // Without a check (or a record from before checks were tracked) no report is needed.
    expect(reconcile([app({ instances: 1 })], [inst({ healthChecked: false })], new Map(), 0).converged.has('/web')).toBe(true);
    expect(reconcile([app({ instances: 1 })], [inst()], new Map(), 0).converged.has('/web')).toBe(true);
  });

  it('a rolling upgrade keeps the old healthy instances until new ones report healthy', () => {
    const desired = app({ instances: 2, configVersion: 'v2', minimumHealthCapacity: 1, maximumOverCapacity: 1 });
    const old = [inst({ configVersion: 'v1', healthChecked: true, healthy: true }), inst({ configVersion: 'v1', healthChecked: true, healthy: true })];
    const fresh = [inst({ configVersion: 'v2', healthChecked: true }), inst({ configVersion: 'v2', healthChecked: true })];
    expect(kills(reconcile([desired], [...old, ...fresh], new Map(), 0))).toEqual([]);
    const oneReady = [{ ...fresh[0]!, healthy: true }, fresh[1]!];
    expect(kills(reconcile([desired], [...old, ...oneReady], new Map(), 0))).toHaveLength(1);
    const ready = fresh.map((f) => ({ ...f, healthy: true }));
    expect(kills(reconcile([desired], [...old, ...ready], new Map(), 0)).sort()).toEqual(old.map((o) => o.taskId).sort());
  });
});

describe('reconcile: unreachableStrategy', () => {
  const strategy = { inactiveAfterMs: 60_000, expungeAfterMs: 600_000 };
  it('waits for an unreachable instance while disabled', () => {
    const lost = inst({ state: 'UNREACHABLE', unreachableSince: 0 });
    expect(reconcile([app({ instances: 1 })], [lost], new Map(), 10 ** 9).actions).toEqual([]);
  });

  it('replaces it after inactiveAfterSeconds and forgets it after expungeAfterSeconds', () => {
    const lost = inst({ state: 'UNREACHABLE', unreachableSince: 1000 });
    const desired = [app({ instances: 1, unreachable: strategy })];
    expect(reconcile(desired, [lost], new Map(), 1000 + 59_999).actions).toEqual([]);
    expect(reconcile(desired, [lost], new Map(), 1000 + 60_000).actions).toEqual([{ type: 'launch', appId: '/web', count: 1 }]);
    const late = reconcile(desired, [lost, inst()], new Map(), 1000 + 600_000).actions;
    expect(late).toEqual([{ type: 'expunge', appId: '/web', taskId: lost.taskId, agentId: 'a1' }]);
  });

  it('an instance that comes back after its replacement started makes one too many: one is killed', () => {
    const back = inst({ launchedAt: 1 });
    const replacement = inst({ launchedAt: 2 });
    expect(kills(reconcile([app({ instances: 1, unreachable: strategy })], [back, replacement], new Map(), 0))).toEqual([replacement.taskId]);
  });
});

describe('launchDelayMs', () => {
  it('grows by backoffFactor from backoffSeconds and stops at maxLaunchDelaySeconds', () => {
    const cfg = { backoffSeconds: 1, backoffFactor: 2, maxLaunchDelaySeconds: 10 };
    expect([0, 1, 2, 3, 4, 5, 50].map((f) => launchDelayMs(f, cfg))).toEqual([0, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(Math.abs(launchDelayMs(3, { backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 300 }) - 1322.5)).toBeLessThanOrEqual(1);
  });
});
