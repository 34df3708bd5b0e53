import { describe, expect, it } from 'vitest';
import { parseApp } from '../../src/services/app-schema.js';
import { healthCheckOf } from '../../src/services/task-builder.js';
import { decode } from '../../src/wire/codec.js';
import { TaskInfo } from '../../src/wire/mesos.js';

// Marathon healthChecks -> the task's Mesos HealthCheck (run by the agent), pure mapping.
const app = (healthChecks: unknown[]): Parameters<typeof healthCheckOf>[0] => {
  const r = parseApp({ id: '/web', cmd: 'serve', portDefinitions: [{ port: 0 }, { port: 0 }], healthChecks });
  if (!r.ok) throw new Error(JSON.stringify(r.failure));
  return r.app;
};

describe('services health checks on the agent', () => {
  it('maps each protocol with Marathon defaults and the instance host port at portIndex', () => {
    expect(healthCheckOf(app([{ protocol: 'MESOS_HTTP', path: '/health', portIndex: 1 }]), [31000, 31001])).toEqual({
      health_check: { type: 'HTTP', http: { scheme: 'http', port: 31001, path: '/health', statuses: [] }, delay_seconds: 15, interval_seconds: 60, timeout_seconds: 20, grace_period_seconds: 300, consecutive_failures: 3 },
    });
    expect(healthCheckOf(app([{ protocol: 'HTTPS' }]), [31000, 31001]).health_check?.http).toEqual({ scheme: 'https', port: 31000, path: '/', statuses: [] });
    expect(healthCheckOf(app([{ protocol: 'TCP', port: 8080, maxConsecutiveFailures: 0 }]), [31000, 31001]).health_check).toMatchObject({ type: 'TCP', tcp: { port: 8080 }, consecutive_failures: 4_294_967_295 });
    expect(healthCheckOf(app([{ protocol: 'COMMAND', command: { value: 'curl -f localhost:$PORT0' }, intervalSeconds: 5 }]), [31000, 31001]).health_check).toMatchObject({ type: 'COMMAND', command: { shell: true, value: 'curl -f localhost:$PORT0' }, interval_seconds: 5 });
    expect(healthCheckOf(app([]), [31000])).toEqual({});
  });

  it('the result is a valid Mesos TaskInfo.health_check', () => {
    const hc = healthCheckOf(app([{ protocol: 'MESOS_TCP', portIndex: 0 }]), [31000, 31001]).health_check!;
    const info = decode(TaskInfo, { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, command: { value: 'x' }, health_check: hc }, 'task');
    expect(info.health_check?.tcp?.port).toBe(31000);
  });
});
