import { requireAllowed } from './http-auth.js';
import { Hono } from 'hono';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Leadership } from '../master/leadership.js';
import { metricsSnapshot } from '../master/state-json.js';
import { frameworkMetricValues } from '../master/framework-metrics.js';
import type { FrameworkView } from '../master/state.js';

/** `master/cpus_total` -> `mesos_master_cpus_total` (Prometheus names: [a-zA-Z_:][a-zA-Z0-9_:]*). */
export const prometheusName = (mesosKey: string): string => `mesos_${mesosKey.replace(/[^A-Za-z0-9_]/g, '_')}`;

/**
 * `GET /metrics`: Prometheus text format. The figures of /metrics/snapshot as gauges (named
 * after their Mesos keys), plus the leader's latency histograms (src/master/latency-metrics.ts).
 * A registry per scrape: nothing is kept in prom-client's global one. The process's own figures
 * (prom-client's default metrics: resident memory, heap, event-loop lag, GC) come from one
 * registry per app, as they are sampled over time.
 */
export function prometheusApp(leadership: Leadership): Hono {
  const app = new Hono();
  const processRegistry = new Registry();
  collectDefaultMetrics({ register: processRegistry });
  app.get('/metrics', async (c) => {
    requireAllowed(c, 'get_endpoints', '/metrics', 'read /metrics');
    const m = leadership.master();
    const registry = new Registry();
    const snapshot = m ? metricsSnapshot(m.ctx, true, false) : { 'master/elected': 0 };
    for (const [key, value] of Object.entries(snapshot)) {
      new Gauge({ name: prometheusName(key), help: `Mesos metric ${key} (as in /metrics/snapshot)`, registers: [registry] }).set(value);
    }
    if (m) addFrameworkGauges(registry, [...m.ctx.state.frameworks.values()]);
    for (const h of m?.latency.all ?? []) registry.registerMetric(h);
    const merged = Registry.merge([registry, processRegistry]);
    return c.body(await merged.metrics(), 200, { 'Content-Type': registry.contentType });
  });
  return app;
}

/**
 * Mesos's per-framework metrics as one gauge per metric, labelled by framework id and name
 * (`mesos_master_framework_offers_sent{framework_id="...",framework_name="..."}`): Prometheus
 * names must not carry ids.
 */
function addFrameworkGauges(registry: Registry, frameworks: readonly FrameworkView[]): void {
  const gauges = new Map<string, Gauge>();
  for (const fw of frameworks) {
    for (const [key, value] of frameworkMetricValues(fw)) {
      let g = gauges.get(key);
      if (!g) {
        g = new Gauge({ name: prometheusName(`master/framework/${key}`), help: `Mesos metric master/frameworks/<name>/<id>/${key}`, labelNames: ['framework_id', 'framework_name'], registers: [registry] });
        gauges.set(key, g);
      }
      g.set({ framework_id: fw.id, framework_name: fw.info.name }, value);
    }
  }
}
