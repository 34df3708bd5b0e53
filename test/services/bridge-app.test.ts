import { describe, expect, it } from 'vitest';
import { parseApp, type AppDefinition } from '../../src/services/app-schema.js';
import { matchOffer } from '../../src/services/offer-match.js';
import { buildTaskInfo } from '../../src/services/task-builder.js';
import { servicePortsOf, withServicePorts } from '../../src/services/service-ports.js';
import { decode } from '../../src/wire/codec.js';
import { TaskInfo, type Offer } from '../../src/wire/mesos.js';
import { taskSpecFromWire } from '../../src/wire/task.js';

// Pure: docker BRIDGE apps (Marathon 1.5+ `networks` and the older docker.network shapes), their
// port mappings' host ports from offers, and the TaskInfo the master accepts.
const image = { type: 'DOCKER', docker: { image: 'tsmesos/busybox:test' } };
const parsed = (json: Record<string, unknown>): ReturnType<typeof parseApp> => parseApp({ id: '/web', cmd: 'httpd', ...json });
const appOf = (json: Record<string, unknown>): AppDefinition => {
  const r = parsed(json);
  if (!r.ok) throw new Error(JSON.stringify(r.failure));
  return r.app;
};
const paths = (json: Record<string, unknown>): string[] => {
  const r = parsed(json);
  if (r.ok) throw new Error('accepted');
  return r.failure.details.map((d) => d.path);
};
const offer = (ports: [number, number][]): Offer => ({
  id: { value: 'o1' }, framework_id: { value: 'f1' }, agent_id: { value: 'a1' }, hostname: 'h1', executor_ids: [], attributes: [],
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, reservations: [] },
    { name: 'mem', type: 'SCALAR', scalar: { value: 4096 }, reservations: [] },
    { name: 'ports', type: 'RANGES', ranges: { range: ports.map(([begin, end]) => ({ begin, end })) }, reservations: [] },
  ],
});

const bridge = {
  networks: [{ mode: 'container/bridge' }],
  container: { ...image, portMappings: [{ containerPort: 80, hostPort: 0, name: 'http' }, { containerPort: 0, servicePort: 10001 }, { containerPort: 53, hostPort: 31005, protocol: 'udp,tcp' }] },
};

describe('docker BRIDGE apps', () => {
  it('both shapes normalize to one: networks, container.portMappings (hostPort 0 unless given), docker.network BRIDGE, no portDefinitions', () => {
    const modern = appOf(bridge);
    const legacy = appOf({ container: { ...image, docker: { ...image.docker, network: 'BRIDGE', portMappings: bridge.container.portMappings } } });
    expect(legacy).toEqual(modern);
    expect(modern.networks).toEqual([{ mode: 'container/bridge' }]);
    expect(modern.portDefinitions).toEqual([]);
    expect(modern.container?.docker?.network).toBe('BRIDGE');
    expect(modern.container?.portMappings?.map((p) => [p.containerPort, p.hostPort, p.servicePort, p.protocol])).toEqual([[80, 0, 0, 'tcp'], [0, 0, 10001, 'tcp'], [53, 31005, 0, 'udp,tcp']]);
    expect(appOf({ container: image }).networks).toEqual([{ mode: 'host' }]);
    expect(appOf({ container: image }).container?.docker?.network).toBe('HOST');
  });

  it('refuses what cannot work, naming the field', () => {
    expect(paths({ networks: [{ mode: 'container', name: 'dcos' }], container: image })).toContain('/networks(0)/mode');
    expect(paths({ networks: [{ mode: 'host' }, { mode: 'container/bridge' }], container: image })).toContain('/networks');
    expect(paths({ networks: [{ mode: 'container/bridge' }] })).toContain('/networks');
    expect(paths({ networks: [{ mode: 'host' }], container: { ...image, docker: { ...image.docker, network: 'BRIDGE' } } })).toContain('/networks');
    expect(paths({ container: { ...image, portMappings: [{ containerPort: 80 }] } })).toContain('/container/portMappings');
    expect(paths({ ...bridge, portDefinitions: [{ port: 0 }] })).toContain('/portDefinitions');
    expect(paths({ networks: bridge.networks, container: { ...image, portMappings: [{ hostPort: 31000 }, { hostPort: 31000 }] } })).toContain('/container/portMappings');
    expect(paths({ networks: bridge.networks, container: { ...image, portMappings: [{ containerPort: 70000 }] } })).toContain('/container/portMappings(0)/containerPort');
    expect(paths({ networks: bridge.networks, container: { ...image, portMappings: [{ containerPort: 1, nat: true }] } })).toContain('/container/portMappings(0)');
    expect(paths({ networks: bridge.networks, container: { ...image, portMappings: [], docker: { ...image.docker, portMappings: [] } } })).toContain('/container/docker/portMappings');
    expect(paths({ networks: bridge.networks, container: { ...image, portMappings: [{}] }, healthChecks: [{ portIndex: 1 }] })).toContain('/healthChecks(0)/portIndex');
  });

  it('host ports come from the offer (dynamic for hostPort 0, exactly the given one otherwise); containerPort 0 is the host port', () => {
    const app = appOf({ ...bridge, cpus: 0.1, mem: 32, healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 0 }] });
    const [planned] = matchOffer(offer([[31000, 31010]]), [{ app, count: 1, placed: [] }]);
    expect(planned!.hostPorts).toHaveLength(3);
    const [http, any, dns] = planned!.hostPorts;
    expect(dns).toBe(31005);
    expect(new Set(planned!.hostPorts).size).toBe(3);
    const info = buildTaskInfo(planned!, { taskId: 'web.1', agentId: 'a1', hostname: 'h1', version: 'v' });
    expect(info.container?.docker).toMatchObject({
      network: 'BRIDGE',
      port_mappings: [
        { host_port: http, container_port: 80, protocol: 'tcp' }, { host_port: any, container_port: any, protocol: 'tcp' },
        { host_port: 31005, container_port: 53, protocol: 'udp' }, { host_port: 31005, container_port: 53, protocol: 'tcp' },
      ],
    });
    const env = Object.fromEntries((info.command?.environment?.variables ?? []).map((v) => [v.name, v.value]));
    expect(env).toMatchObject({ PORT0: String(http), PORT1: String(any), PORT2: '31005', PORT_HTTP: String(http), PORTS: planned!.hostPorts.join(',') });
    // The agent checks health on the published host port.
    expect(info.health_check?.http?.port).toBe(http);
    // The master takes it as a valid TaskInfo.
    const spec = taskSpecFromWire(decode(TaskInfo, info, 'task'), 'task');
    expect(spec.container?.docker?.portMappings).toHaveLength(4);
    // A fixed host port the offer lacks: no fit.
    expect(matchOffer(offer([[31000, 31004]]), [{ app, count: 1, placed: [] }])).toEqual([]);
  });
});

describe('service ports', () => {
  it('servicePort 0 gets the lowest free port from 10000 across apps; given ones stay', () => {
    const a = appOf({ ...bridge, id: '/a' });
    const b = appOf({ ...bridge, id: '/b' });
    const first = withServicePorts(a, [])!;
    expect(servicePortsOf(first)).toEqual([10000, 10001, 10002]);
    const second = withServicePorts(b, [first])!;
    expect(servicePortsOf(second)).toEqual([10003, 10001, 10004]);
    // Its own old assignment does not count as taken (an update of the same app).
    expect(servicePortsOf(withServicePorts(a, [first])!)).toEqual([10000, 10001, 10002]);
    expect(withServicePorts(appOf({ cmd: 'x' }), [first])).toEqual(appOf({ cmd: 'x' }));
  });
});
