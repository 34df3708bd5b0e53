import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { tempDir } from '../helpers/process.js';

describe('up configuration: flags > environment > config file', () => {
  it('defaults for --role all', () => {
    const c = resolveUpConfig({ role: 'all' }, { HOME: '/home/x' });
    expect(c.ip).toBe('127.0.0.1');
    expect(c.masterPort).toBe(5050);
    expect(c.agentPort).toBe(5051);
    expect(c.masters).toEqual([{ host: '127.0.0.1', port: 5050 }]);
    expect(c.containerizers).toEqual(['posix']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('--port is the agent port for --role agent', () => {
    const c = resolveUpConfig({ role: 'agent', port: '6000', master: '10.0.0.1:5050,10.0.0.2:5050' }, {});
    expect(c.agentPort).toBe(6000);
    expect(c.masters).toEqual([{ host: '10.0.0.1', port: 5050 }, { host: '10.0.0.2', port: 5050 }]);
  });

  it('reads TSMESOS_* variables and a JSON config file, flags winning', () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify({ role: 'master', port: 7000, 'log-level': 'debug', data_dir: '/srv/a' }));
    const c = resolveUpConfig({ config: file, port: '7002' }, { TSMESOS_PORT: '7001', TSMESOS_DATA_DIR: '/srv/b' });
    expect(c.role).toBe('master');
    expect(c.masterPort).toBe(7002);
    expect(c.dataDir).toBe('/srv/b');
    expect(c.logLevel).toBe('debug');
  });

  it('offer policy flags: --offer-timeout and --min-allocatable-resources, masters only', () => {
    const c = resolveUpConfig({ role: 'master', offerTimeout: '30secs', minAllocatableResources: 'disk:1|cpus:1;mem:32' }, {});
    expect(c.offerTimeoutMs).toBe(30_000);
    expect(c.minAllocatableResources?.map((q) => Object.fromEntries(q))).toEqual([{ disk: 1 }, { cpus: 1, mem: 32 }]);
    const d = resolveUpConfig({ role: 'all' }, {});
    expect([d.offerTimeoutMs, d.minAllocatableResources]).toEqual([null, null]);
    expect(() => resolveUpConfig({ role: 'master', minAllocatableResources: 'cpus' }, {})).toThrow(/invalid --min-allocatable-resources.*expected NAME:AMOUNT/);
    expect(() => resolveUpConfig({ role: 'master', offerTimeout: '0s' }, {})).toThrow(/invalid --offer-timeout/);
    expect(() => resolveUpConfig({ role: 'agent', master: '127.0.0.1:5050', offerTimeout: '1s' }, {})).toThrow(/a master flag/);
  });

  it('--marathon-port: 8080 by default on masters (a taken default is only a warning), 0 turns it off, never on the other ports', () => {
    expect([resolveUpConfig({ role: 'all' }, {}).marathonPort, resolveUpConfig({ role: 'all' }, {}).marathonPortRequired]).toEqual([8080, false]);
    expect([resolveUpConfig({ role: 'master', marathonPort: '9090' }, {}).marathonPort, resolveUpConfig({ role: 'master' }, { TSMESOS_MARATHON_PORT: '0' }).marathonPort]).toEqual([9090, 0]);
    expect(resolveUpConfig({ role: 'master', marathonPort: '9090' }, {}).marathonPortRequired).toBe(true);
    expect(resolveUpConfig({ role: 'agent', master: '127.0.0.1:5050' }, {}).marathonPort).toBe(0);
    expect(() => resolveUpConfig({ role: 'all', marathonPort: '5051' }, {})).toThrow(/must differ from the master and agent ports/);
    expect(() => resolveUpConfig({ role: 'master', marathonPort: '70000' }, {})).toThrow(/invalid --marathon-port/);
    expect(() => resolveUpConfig({ role: 'agent', master: '127.0.0.1:5050', marathonPort: '8080' }, {})).toThrow(/a master flag/);
    // From the environment (one file for a host's master and agent) it is ignored by an agent.
    expect(resolveUpConfig({ role: 'agent', master: '127.0.0.1:5050' }, { TSMESOS_MARATHON_PORT: '0', TSMESOS_OFFER_TIMEOUT: '1mins' }).marathonPort).toBe(0);
  });

  it('parses resources and attributes in Mesos syntax', () => {
    const c = resolveUpConfig({ role: 'all', resources: 'cpus:2;mem:1024;ports:[31000-31005]', attributes: 'rack:r1;zone:a' }, {});
    expect(c.resources?.scalar('cpus')).toBe(2);
    expect(c.attributes.map((a) => a.name)).toEqual(['rack', 'zone']);
  });

  it.each([
    [{}, /missing --role/],
    [{ role: 'boss' }, /invalid --role 'boss'/],
    [{ role: 'all', port: '99999' }, /invalid --port '99999'.*1-65535/],
    [{ role: 'all', ip: '1.2.3' }, /invalid --ip/],
    [{ role: 'all', resources: 'cpus:abc' }, /invalid --resources/],
    [{ role: 'all', attributes: 'rack' }, /invalid --attributes/],
    [{ role: 'all', containerizers: 'posix,lxc' }, /invalid --containerizers/],
    [{ role: 'all', 'logLevel': 'loud' }, /invalid --log-level/],
    [{ role: 'agent' }, /missing --master/],
    [{ role: 'master', master: 'a:1' }, /only --role agent/],
    [{ role: 'all', port: '5050', agentPort: '5050' }, /must differ/],
    [{ role: 'all', config: '/nonexistent/c.json' }, /invalid --config.*no such file/],
  ])('rejects %j', (opts, message) => {
    expect(() => resolveUpConfig(opts as Record<string, unknown>, {})).toThrow(message);
  });

  it('names where a bad value came from: the command line, a TSMESOS_* variable or a config file key', () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify({ role: 'all', log_level: 'loud', 'heartbeat-interval': 'soon' }));
    const message = (opts: Record<string, unknown>, env: NodeJS.ProcessEnv): string => {
      try {
        resolveUpConfig(opts, env);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected resolveUpConfig to throw');
    };
    expect(message({ role: 'all' }, { TSMESOS_LOG_LEVEL: 'loud' })).toBe("invalid --log-level 'loud' (from the environment variable TSMESOS_LOG_LEVEL): expected one of debug, info, warn, error");
    expect(message({ role: 'all', logLevel: 'loud' }, {})).toBe("invalid --log-level 'loud' (from the command line): expected one of debug, info, warn, error");
    expect(message({ config: file, heartbeatInterval: '100ms' }, {})).toBe(`invalid --log-level 'loud' (from key 'log_level' in the config file ${file}): expected one of debug, info, warn, error`);
    expect(message({ config: file }, {})).toMatch(/^invalid --heartbeat-interval 'soon' \(from key 'heartbeat-interval' in the config file .*c\.json\): expected a duration/);
    expect(message({}, { TSMESOS_ROLE: 'boss' })).toMatch(/^invalid --role 'boss' \(from the environment variable TSMESOS_ROLE\)/);
    expect(message({ role: 'all' }, { TSMESOS_PORT: 'eighty' })).toMatch(/^invalid --port 'eighty' \(from the environment variable TSMESOS_PORT\)/);
    expect(message({ role: 'all' }, { TSMESOS_RESOURCES: 'cpus:abc' })).toMatch(/^invalid --resources \(from the environment variable TSMESOS_RESOURCES\): /);
    expect(message({ role: 'all' }, { TSMESOS_MASTER: '10.0.0.1:5050' })).toMatch(/^invalid --master \(from the environment variable TSMESOS_MASTER\): only --role agent/);
    expect(message({ role: 'agent', master: '10.0.0.1:5050' }, { TSMESOS_PEERS: '10.0.0.1:5050' })).toMatch(/^invalid --peers \(from the environment variable TSMESOS_PEERS\): only --role master/);
    expect(message({ role: 'master' }, { TSMESOS_AGENT_PORT: '5051' })).toMatch(/^invalid --agent-port \(from the environment variable TSMESOS_AGENT_PORT\): only --role all/);
    expect(message({ role: 'master', electionTimeout: '150ms' }, { TSMESOS_HEARTBEAT_INTERVAL: '100ms' }))
      .toBe('invalid --election-timeout 150ms (from the command line): must be at least twice --heartbeat-interval (100ms, from the environment variable TSMESOS_HEARTBEAT_INTERVAL)');
    expect(message({ role: 'all' }, { TSMESOS_CONFIG: path.join(dir, 'none.json') })).toMatch(/^invalid --config '.*none\.json' \(from the environment variable TSMESOS_CONFIG\): no such file/);
  });

  it('accepts the docker containerizer in any order; refuses unknown and repeated ones', () => {
    for (const value of ['docker', 'posix,docker', 'docker,posix']) {
      expect(resolveUpConfig({ role: 'agent', master: '127.0.0.1:5050', containerizers: value }, {}).containerizers).toEqual(value.split(','));
    }
    expect(resolveUpConfig({ role: 'all' }, { TSMESOS_CONTAINERIZERS: 'docker' }).containerizers).toEqual(['docker']);
    expect(resolveUpConfig({ role: 'all', containerizers: 'posix' }, {}).containerizers).toEqual(['posix']);
    expect(() => resolveUpConfig({ role: 'all', containerizers: 'posix,rkt' }, {})).toThrow(/invalid --containerizers 'posix,rkt' \(from the command line\): expected a list of posix, docker/);
    expect(() => resolveUpConfig({ role: 'all', containerizers: 'docker,docker' }, {})).toThrow(/lists a containerizer twice/);
  });

  it('--isolation: Mesos names, each resource once, the unnamed one posix; unset means the default (cgroups where writable)', () => {
    const isolation = (v: string) => resolveUpConfig({ role: 'all', isolation: v }, {}).isolation;
    expect(resolveUpConfig({ role: 'all' }, {}).isolation).toBeNull();
    expect(isolation('cgroups/cpu,cgroups/mem')).toEqual({ cpu: 'cgroups', mem: 'cgroups' });
    expect(isolation('cgroups/all')).toEqual({ cpu: 'cgroups', mem: 'cgroups' });
    expect(isolation('posix/cpu,posix/mem')).toEqual({ cpu: 'posix', mem: 'posix' });
    expect(isolation('cgroups/mem')).toEqual({ cpu: 'posix', mem: 'cgroups' });
    expect(resolveUpConfig({ role: 'all' }, { TSMESOS_ISOLATION: 'posix/cpu' }).isolation).toEqual({ cpu: 'posix', mem: 'posix' });
    expect(() => isolation('cgroups/all,posix/mem')).toThrow(/invalid --isolation 'cgroups\/all,posix\/mem' \(from the command line\): isolates mem twice/);
    expect(() => isolation('cgroups/devices')).toThrow(/expected a list of cgroups\/cpu, cgroups\/mem, cgroups\/all, posix\/cpu, posix\/mem/);
  });

  it('rejects unknown keys and non-JSON in the config file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.json'), '{"role":"all","colour":"blue"}');
    fs.writeFileSync(path.join(dir, 'b.json'), 'role: all');
    expect(() => resolveUpConfig({ config: path.join(dir, 'a.json') }, {})).toThrow(/unknown key 'colour'/);
    expect(() => resolveUpConfig({ config: path.join(dir, 'b.json') }, {})).toThrow(/not JSON/);
  });
});
