import { describe, expect, it } from 'vitest';
import { Resources } from '../../src/domain/resources.js';
import { ResourceLedger } from '../../src/master/ledger.js';
import { ledgerDrift } from '../../src/master/ledger-check.js';
import type { MasterStateView } from '../../src/master/state.js';

const R = (s: string): Resources => Resources.parse(s);

describe('resource ledger', () => {
  it('sums tasks and offers per agent, framework and role; track and untrack are idempotent', () => {
    const l = new ResourceLedger();
    const t1 = { frameworkId: 'f1', agentId: 'a1', role: 'web', resources: R('cpus:1;mem:128;ports:[31000-31000]') };
    const t2 = { frameworkId: 'f1', agentId: 'a2', role: 'web', resources: R('cpus:2;mem:256;ports:[31000-31000]') };
    const o1 = { frameworkId: 'f2', agentId: 'a1', role: '*', resources: R('cpus:3;mem:512') };
    l.track('task', t1);
    l.track('task', t1);
    l.track('task', t2);
    l.track('offer', o1);
    expect(l.usedOnAgent('a1').toString()).toBe('cpus:1;mem:128;ports:[31000-31000]');
    expect(l.offeredOnAgent('a1').toString()).toBe('cpus:3;mem:512');
    expect(l.heldOnAgent('a1').toString()).toBe('cpus:4;mem:640;ports:[31000-31000]');
    expect(l.usedByFramework('f1').scalar('cpus')).toBe(3);
    expect(l.frameworkRoleScalars('f1', 'web').toString()).toBe('cpus:3;mem:384');
    expect(l.roleScalars().get('*')?.toString()).toBe('cpus:3;mem:512');
    l.untrack(t1);
    l.untrack(t1);
    l.untrack(o1);
    expect(l.usedOnAgent('a1').isEmpty()).toBe(true);
    expect(l.heldOnAgent('a1').isEmpty()).toBe(true);
    // The same port on two agents: taking one task off the framework keeps the other's port.
    expect(l.usedByFramework('f1').toString()).toBe('cpus:2;mem:256;ports:[31000-31000]');
    expect(l.frameworkRoleScalars('f1', 'web').toString()).toBe('cpus:2;mem:256');
    expect([...l.roleScalars().keys()]).toEqual(['web']);
  });

  it('the check finds a task or an offer the ledger was not told about', () => {
    const l = new ResourceLedger();
    const task = { taskId: 't', frameworkId: 'f', agentId: 'a', role: '*', resources: R('cpus:1;mem:32'), state: 'TASK_RUNNING' };
    const offer = { id: 'o', frameworkId: 'f', agentId: 'a', role: '*', resources: R('cpus:2') };
    const state = {
      agents: new Map([['a', {}]]),
      frameworks: new Map([['f', { id: 'f', roles: ['*'], tasks: new Map([['t', task]]) }]]),
      offers: new Map([['o', offer]]),
    } as unknown as MasterStateView;
    expect(ledgerDrift(state, l)).toMatch(/agent a uses cpus:1;mem:32, the ledger says $/);
    l.track('task', task);
    expect(ledgerDrift(state, l)).toMatch(/agent a has cpus:2 offered/);
    l.track('offer', offer);
    expect(ledgerDrift(state, l)).toBeNull();
    task.state = 'TASK_FINISHED';
    expect(ledgerDrift(state, l)).toMatch(/agent a uses , the ledger says cpus:1;mem:32/);
    l.untrack(task);
    expect(ledgerDrift(state, l)).toBeNull();
  });
});
