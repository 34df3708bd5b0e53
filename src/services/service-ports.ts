// Pure: Marathon's service ports for bridge port mappings. A servicePort of 0 gets the lowest
// port of Marathon's default range (--local_port_min/max, 10000-20000) that no other app's
// mapping uses, so load balancers can tell the apps apart. (Host networking's portDefinitions
// keep their port as given.)
import type { AppDefinition } from './app-schema.js';

export const SERVICE_PORT_MIN = 10_000;
export const SERVICE_PORT_MAX = 20_000;

export const servicePortsOf = (app: AppDefinition): number[] => (app.container?.portMappings ?? []).map((m) => m.servicePort);

/** The app with every servicePort 0 assigned, or null when the range has no room left. */
export function withServicePorts(app: AppDefinition, others: readonly AppDefinition[]): AppDefinition | null {
  const mappings = app.container?.portMappings;
  if (mappings === undefined || !mappings.some((m) => m.servicePort === 0)) return app;
  const used = new Set([...others.filter((o) => o.id !== app.id).flatMap(servicePortsOf), ...mappings.map((m) => m.servicePort)]);
  let next = SERVICE_PORT_MIN;
  const assigned = [];
  for (const m of mappings) {
    if (m.servicePort !== 0) {
      assigned.push(m);
      continue;
    }
    while (used.has(next) && next <= SERVICE_PORT_MAX) next++;
    if (next > SERVICE_PORT_MAX) return null;
    used.add(next);
    assigned.push({ ...m, servicePort: next });
  }
  return { ...app, container: { ...app.container!, portMappings: assigned } };
}
