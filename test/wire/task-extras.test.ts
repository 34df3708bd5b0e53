// TaskInfo.health_check, CommandInfo.uris and max_completion_time: Mesos defaults, Mesos's
// validation (src/common/validation.cpp), and the round trip through the agent channel.
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/wire/codec.js';
import * as m from '../../src/wire/mesos.js';
import { taskSpecFromWire, taskSpecToWire } from '../../src/wire/task.js';

const base = {
  name: 'web', task_id: { value: 't1' }, agent_id: { value: 'S1' }, command: { value: 'sleep 1' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
};
const fromWire = (json: unknown) => taskSpecFromWire(decode(m.TaskInfo, json, 'task'), 'task');
const roundTrip = (json: unknown) => {
  const spec = fromWire(json);
  expect(taskSpecFromWire(decode(m.TaskInfo, JSON.parse(JSON.stringify(encode(m.TaskInfo, taskSpecToWire(spec)))), 'x'), 'x')).toEqual(spec);
  return spec;
};

describe('health_check', () => {
  it('applies the Mesos defaults (delay 15 s, interval 10 s, timeout 20 s, 3 failures, grace 10 s)', () => {
    expect(roundTrip({ ...base, health_check: { type: 'TCP', tcp: { port: 8080 } } }).healthCheck).toEqual({
      type: 'TCP', tcp: { port: 8080 }, delayMs: 15_000, intervalMs: 10_000, timeoutMs: 20_000, consecutiveFailures: 3, gracePeriodMs: 10_000,
    });
  });

  it('keeps HTTP and COMMAND checks through the round trip', () => {
    const http = roundTrip({ ...base, health_check: { type: 'HTTP', http: { port: 80, path: '/ping', scheme: 'https' }, interval_seconds: 0.5, consecutive_failures: 1 } });
    expect(http.healthCheck).toMatchObject({ type: 'HTTP', http: { scheme: 'https', port: 80, path: '/ping' }, intervalMs: 500, consecutiveFailures: 1 });
    const cmd = roundTrip({ ...base, health_check: { type: 'COMMAND', command: { value: 'true', environment: { variables: [{ name: 'X', value: '1' }] } } } });
    expect(cmd.healthCheck?.command).toMatchObject({ shell: true, value: 'true', environment: { X: '1' } });
  });

  it.each([
    [{ tcp: { port: 1 } }, "must specify 'type'"],
    [{ type: 'UNKNOWN' }, 'not a valid health check type'],
    [{ type: 'HTTP' }, "Expecting 'http'"],
    [{ type: 'TCP' }, "Expecting 'tcp'"],
    [{ type: 'COMMAND' }, "Expecting 'command'"],
    [{ type: 'COMMAND', command: { shell: false } }, "'executable path'"],
    [{ type: 'HTTP', http: { port: 80, scheme: 'ftp' } }, "scheme: 'ftp'"],
    [{ type: 'HTTP', http: { port: 80, path: 'health' } }, "must start with '/'"],
    [{ type: 'HTTP', http: { port: 80, path: '/a b' } }, 'whitespace'],
    [{ type: 'HTTP', http: { port: 0 } }, 'port number'],
    [{ type: 'TCP', tcp: { port: 70_000 } }, 'port number'],
    [{ type: 'TCP', tcp: { port: 1 }, delay_seconds: -1 }, 'delay_seconds: must be non-negative'],
    [{ type: 'TCP', tcp: { port: 1 }, interval_seconds: -1 }, 'interval_seconds'],
    [{ type: 'TCP', tcp: { port: 1 }, timeout_seconds: -1 }, 'timeout_seconds'],
    [{ type: 'TCP', tcp: { port: 1 }, grace_period_seconds: -1 }, 'grace_period_seconds'],
  ])('refuses %j', (check, message) => {
    expect(() => fromWire({ ...base, health_check: check })).toThrow(message);
  });

  it('refuses malformed values at decode time (wrong types, huge counts)', () => {
    expect(() => fromWire({ ...base, health_check: { type: 'TCP', tcp: { port: 1 }, delay_seconds: 'soon' } })).toThrow();
    expect(() => fromWire({ ...base, health_check: { type: 'TCP', tcp: { port: 1 }, consecutive_failures: -1 } })).toThrow();
    expect(() => fromWire({ ...base, health_check: { type: 'HTTP', http: { port: 1, path: `/${'a'.repeat(5000)}` } } })).toThrow();
  });
});

describe('CommandInfo.uris', () => {
  it('applies the Mesos defaults (extract true, executable and cache false) and round-trips', () => {
    expect(roundTrip({ ...base, command: { value: 'x', uris: [{ value: 'http://127.0.0.1:1/a.tgz' }, { value: '/srv/b', executable: true, output_file: 'bin/b' }] } }).command.uris).toEqual([
      { value: 'http://127.0.0.1:1/a.tgz', extract: true, executable: false, cache: false },
      { value: '/srv/b', extract: true, executable: true, cache: false, outputFile: 'bin/b' },
    ]);
  });

  it.each([
    [{ value: '' }, 'must not be empty'],
    [{ value: 'relative/path' }, 'neither an absolute path nor a URL'],
    [{ value: 'ftp://127.0.0.1/x' }, "scheme 'ftp'"],
    [{ value: 'hdfs://nn/x' }, "scheme 'hdfs'"],
    [{ value: '/x', output_file: '/etc/passwd' }, 'relative to the sandbox'],
    [{ value: '/x', output_file: '../escape' }, "'..'"],
    [{ value: '/x', output_file: 'a/../../escape' }, "'..'"],
    [{ value: '/x', output_file: 'dir/' }, 'must name a file'],
    [{ value: '/x\u0000y' }, 'NUL'],
  ])('refuses %j', (uri, message) => {
    expect(() => fromWire({ ...base, command: { value: 'x', uris: [uri] } })).toThrow(message);
  });
});

describe('max_completion_time', () => {
  it('round-trips, and a negative one is refused', () => {
    expect(roundTrip({ ...base, max_completion_time: { nanoseconds: 2_500_000_000 } }).maxCompletionTimeMs).toBe(2500);
    expect(() => fromWire({ ...base, max_completion_time: { nanoseconds: -1 } })).toThrow('must be non-negative');
  });
});
