import { Hono } from 'hono';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { TsmesosError } from '../domain/errors.js';
import { decode, encode } from '../wire/codec.js';
import { stringifyJson } from '../lib/json-fragment.js';
import { AgentOperatorCall, AgentOperatorResponse } from '../wire/agent-operator.js';
import { AgentOperatorCalls } from '../agent/operator-calls.js';
import { checkV1Headers, readJsonBody } from './http-errors.js';
import { prometheusName } from './prometheus.js';

/** Agent calls are small (the largest names a path); the bound is the master's. */
export const AGENT_OPERATOR_MAX_BODY = 1024 * 1024;

/**
 * `POST /api/v1` on the agent (Mesos agent operator API v1, JSON): decode with the wire layer, answer through
 * the agent's call surface. Actions (KILL_CONTAINER) answer an empty 200, as in Mesos.
 */
export function agentOperatorApp(calls: AgentOperatorCalls): Hono {
  const app = new Hono();
  app.all('/api/v1', async (c) => {
    if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'the agent operator API accepts POST only');
    checkV1Headers(c);
    const call = decode(AgentOperatorCall, await readJsonBody(c, AGENT_OPERATOR_MAX_BODY), 'call');
    const response = await calls.execute(call);
    if (response === null) return c.body(null, 200);
    return c.body(stringifyJson(encode(AgentOperatorResponse, response)), 200, { 'Content-Type': 'application/json' });
  });
  return app;
}

/** `/metrics/snapshot` (Mesos JSON object of metric name to value) and Prometheus `/metrics` of the agent. */
export function agentMetricsApp(snapshot: () => Record<string, number>): Hono {
  const app = new Hono();
  const processRegistry = new Registry();
  collectDefaultMetrics({ register: processRegistry });
  for (const p of ['/metrics/snapshot', '/metrics/snapshot.json']) app.get(p, (c) => c.json(snapshot()));
  app.get('/metrics', async (c) => {
    const registry = new Registry();
    for (const [key, value] of Object.entries(snapshot())) {
      new Gauge({ name: prometheusName(key), help: `Mesos metric ${key} (as in /metrics/snapshot)`, registers: [registry] }).set(value);
    }
    const merged = Registry.merge([registry, processRegistry]);
    return c.body(await merged.metrics(), 200, { 'Content-Type': registry.contentType });
  });
  return app;
}
