import { describe, expect, it } from 'vitest';
import { parseApp, type AppDefinition } from '../../src/services/app-schema.js';
import { constraintsAllow, matchOffer } from '../../src/services/offer-match.js';
import { buildTaskInfo, taskEnvironment, appIdOfTask, taskIdFor } from '../../src/services/task-builder.js';
import type { Offer } from '../../src/wire/mesos.js';

const appOf = (json: Record<string, unknown>): AppDefinition => {
  const r = parseApp({ id: '/web', cmd: 'sleep 100', ...json });
  if (!r.ok) throw new Error(JSON.stringify(r.failure));
  return r.app;
};

const offer = (over: { cpus?: number; mem?: number; ports?: [number, number][]; hostname?: string; attributes?: Record<string, string>; role?: string } = {}): Offer => ({
  id: { value: 'o1' }, framework_id: { value: 'f1' }, agent_id: { value: 'a1' }, hostname: over.hostname ?? 'h1', executor_ids: [],
  attributes: Object.entries(over.attributes ?? {}).map(([name, value]) => ({ name, type: 'TEXT' as const, text: { value } })),
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: over.cpus ?? 2 }, reservations: [], ...(over.role ? { role: over.role } : {}) },
    { name: 'mem', type: 'SCALAR', scalar: { value: over.mem ?? 1024 }, reservations: [] },
    { name: 'disk', type: 'SCALAR', scalar: { value: 1000 }, reservations: [] },
    { name: 'ports', type: 'RANGES', ranges: { range: (over.ports ?? [[31000, 31009]]).map(([begin, end]) => ({ begin, end })) }, reservations: [] },
  ],
});

describe('matchOffer', () => {
  it('fits as many instances as cpus, mem and ports allow, each with its own host port', () => {
    const app = appOf({ cpus: 0.5, mem: 100, portDefinitions: [{ port: 0 }, { port: 0 }] });
    const planned = matchOffer(offer({ cpus: 2, ports: [[31000, 31005]] }), [{ app, count: 10, placed: [] }]);
    // cpus allow 4, ports (2 each of 6) allow 3
    expect(planned).toHaveLength(3);
    const all = planned.flatMap((p) => p.hostPorts);
    expect(new Set(all).size).toBe(6);
    for (const p of planned) {
      expect(p.resources.find((r) => r.name === 'cpus')?.scalar?.value).toBe(0.5);
      expect(p.resources.find((r) => r.name === 'ports')?.ranges?.range).toHaveLength(2);
    }
  });

  it('takes nothing from an offer that is too small', () => {
    expect(matchOffer(offer({ mem: 64 }), [{ app: appOf({ mem: 128 }), count: 1, placed: [] }])).toEqual([]);
    expect(matchOffer(offer({ ports: [[31000, 31000]] }), [{ app: appOf({ portDefinitions: [{ port: 0 }, { port: 0 }] }), count: 1, placed: [] }])).toEqual([]);
    expect(matchOffer(offer({ ports: [] }), [{ app: appOf({}), count: 1, placed: [] }])).toEqual([]);
  });

  it('requirePorts asks for the exact port', () => {
    const app = appOf({ requirePorts: true, portDefinitions: [{ port: 31004 }] });
    expect(matchOffer(offer(), [{ app, count: 1, placed: [] }])[0]?.hostPorts).toEqual([31004]);
    expect(matchOffer(offer({ ports: [[31000, 31003]] }), [{ app, count: 1, placed: [] }])).toEqual([]);
  });

  it('UNIQUE hostname puts one instance per host, also within one offer', () => {
    const app = appOf({ cpus: 0.1, mem: 10, constraints: [['hostname', 'UNIQUE']] });
    expect(matchOffer(offer(), [{ app, count: 3, placed: [] }])).toHaveLength(1);
    expect(matchOffer(offer(), [{ app, count: 3, placed: [{ hostname: 'h1', attributes: {} }] }])).toHaveLength(0);
  });

  it('acceptedResourceRoles limits which resources are used', () => {
    const app = appOf({ cpus: 0.1, mem: 10, acceptedResourceRoles: ['eng'] });
    expect(matchOffer(offer(), [{ app, count: 1, placed: [] }])).toEqual([]);
  });
});

describe('constraintsAllow', () => {
  const at = (hostname: string, attributes: Record<string, string> = {}) => ({ hostname, attributes });
  it('CLUSTER/IS, LIKE/UNLIKE, MAX_PER, GROUP_BY on hostname and attributes', () => {
    expect(constraintsAllow([['rack', 'CLUSTER', 'r1']], at('h', { rack: 'r1' }), [])).toBe(true);
    expect(constraintsAllow([['rack', 'IS', 'r1']], at('h', { rack: 'r2' }), [])).toBe(false);
    expect(constraintsAllow([['rack', 'CLUSTER', 'r1']], at('h'), [])).toBe(false);
    expect(constraintsAllow([['hostname', 'LIKE', 'web-[0-9]+']], at('web-12'), [])).toBe(true);
    expect(constraintsAllow([['hostname', 'LIKE', 'web']], at('web-12'), [])).toBe(false);
    expect(constraintsAllow([['hostname', 'UNLIKE', 'db.*']], at('db-1'), [])).toBe(false);
    expect(constraintsAllow([['rack', 'UNLIKE', 'r1']], at('h'), [])).toBe(true);
    expect(constraintsAllow([['hostname', 'MAX_PER', '2']], at('h'), [at('h')])).toBe(true);
    expect(constraintsAllow([['hostname', 'MAX_PER', '2']], at('h'), [at('h'), at('h')])).toBe(false);
    expect(constraintsAllow([['rack', 'GROUP_BY']], at('x', { rack: 'r1' }), [at('a', { rack: 'r1' }), at('b', { rack: 'r2' })])).toBe(true);
    expect(constraintsAllow([['rack', 'GROUP_BY']], at('x', { rack: 'r1' }), [at('a', { rack: 'r1' }), at('b', { rack: 'r1' }), at('c', { rack: 'r2' })])).toBe(false);
  });
});

describe('task building', () => {
  it('gives the command Marathon environment variables and a Marathon task id', () => {
    const app = appOf({ id: '/prod/web', portDefinitions: [{ port: 0, name: 'http' }, { port: 0 }], env: { A: 'b' }, labels: { team: 'x' } });
    const env = taskEnvironment(app, 'v1', 'h1', [31000, 31001]);
    expect(env).toMatchObject({ A: 'b', PORT0: '31000', PORT1: '31001', PORT: '31000', PORTS: '31000,31001', PORT_HTTP: '31000', HOST: 'h1', MARATHON_APP_ID: '/prod/web', MARATHON_APP_VERSION: 'v1', MARATHON_APP_LABELS: 'team' });
    const id = taskIdFor('/prod/web', '0b5a');
    expect(id).toBe('prod_web.0b5a');
    expect(appIdOfTask(id)).toBe('/prod/web');
    const info = buildTaskInfo({ app, resources: [], hostPorts: [1, 2] }, { taskId: id, agentId: 'a1', hostname: 'h1', version: 'v1' });
    expect(info.command).toMatchObject({ shell: true, value: 'sleep 100' });
    expect(info.name).toBe('web.prod');
    expect(info.labels?.labels).toEqual([{ key: 'team', value: 'x' }]);
  });

  it('args run without a shell; a docker container becomes ContainerInfo', () => {
    const app = appOf({ cmd: undefined, args: ['/bin/echo', 'hi'], container: { type: 'DOCKER', docker: { image: 'tsmesos/busybox:test' } } });
    const info = buildTaskInfo({ app, resources: [], hostPorts: [] }, { taskId: 't', agentId: 'a', hostname: 'h', version: 'v' });
    expect(info.command).toMatchObject({ shell: false, value: '/bin/echo', arguments: ['/bin/echo', 'hi'] });
    expect(info.container).toMatchObject({ type: 'DOCKER', docker: { image: 'tsmesos/busybox:test', network: 'HOST' } });
  });
});
