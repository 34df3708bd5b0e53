import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import type { AgentRecord } from '../../src/registry/commands.js';
import type { Resource } from '../../src/domain/resources.js';
import { tempDir } from '../helpers/process.js';

// The reservations module (SET_AGENT_RESERVATIONS) on real SQLite files: whole values per
// agent, cleared with the agent, carried by snapshots and across reopening.

const agent = (id: string): AgentRecord => ({
  id, hostname: 'h', ip: '127.0.0.1', port: 5051, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*' }], attributes: [], registeredAt: 1000,
});
const reserved = (value: number, principal = 'ops'): Resource[] => [
  { name: 'cpus', type: 'SCALAR', scalar: { value }, role: 'eng', reservations: [{ type: 'DYNAMIC', role: 'eng', principal, labels: [{ key: 'k', value: 'v' }] }] },
];

describe('registry: agent reservations', () => {
  it('keeps the last value per agent, across reopening and through a snapshot; an empty value removes the row', () => {
    const dir = tempDir();
    const r = Registry.open(dir);
    r.apply(1, { type: 'ADMIT_AGENT', agent: agent('a1') });
    r.apply(2, { type: 'ADMIT_AGENT', agent: agent('a2') });
    r.apply(3, { type: 'SET_AGENT_RESERVATIONS', agentId: 'a1', reservations: reserved(1) });
    r.apply(4, { type: 'SET_AGENT_RESERVATIONS', agentId: 'a1', reservations: reserved(2) });
    r.apply(5, { type: 'SET_AGENT_RESERVATIONS', agentId: 'a2', reservations: reserved(1, 'dev') });
    expect([...r.agentReservations()]).toEqual([['a1', reserved(2)], ['a2', reserved(1, 'dev')]]);
    const image = r.snapshot();
    r.apply(6, { type: 'SET_AGENT_RESERVATIONS', agentId: 'a2', reservations: [] });
    expect([...r.agentReservations().keys()]).toEqual(['a1']);
    r.close();

    const reopened = Registry.open(dir);
    expect([...reopened.agentReservations().keys()]).toEqual(['a1']);
    reopened.close();
    const other = Registry.open(tempDir());
    other.restore(image, 5);
    expect([...other.agentReservations()]).toEqual([['a1', reserved(2)], ['a2', reserved(1, 'dev')]]);
    other.close();
  });

  it('an agent removed (REMOVE_AGENT) loses its reservations, and unknown agents get none', () => {
    const r = Registry.open(tempDir());
    r.apply(1, { type: 'ADMIT_AGENT', agent: agent('a1') });
    r.apply(2, { type: 'SET_AGENT_RESERVATIONS', agentId: 'a1', reservations: reserved(1) });
    r.apply(3, { type: 'SET_AGENT_RESERVATIONS', agentId: 'ghost', reservations: reserved(1) });
    expect([...r.agentReservations().keys()]).toEqual(['a1']);
    r.apply(4, { type: 'REMOVE_AGENT', agentId: 'a1', at: 5 });
    expect(r.agentReservations().size).toBe(0);
    // Re-admitted under the same id (it never is in practice; ids are fresh), it starts with none.
    r.apply(5, { type: 'ADMIT_AGENT', agent: agent('a1') });
    expect(r.agentReservations().size).toBe(0);
    r.close();
  });
});
