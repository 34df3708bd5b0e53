// Marathon's AppDefinition (docs/docs/rest-api/public/api/v2/types/app.raml): one zod schema
// with Marathon's defaults. Unknown fields are refused rather than silently dropped, so a field
// this scheduler does not implement yet is a 422 naming it, never a quiet misconfiguration.
import { z } from 'zod';
import { uriSpec } from '../wire/task-extras.js';

const SEGMENT = /^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
const MAX_ID = 200;

/** Why `raw` is not an absolute or relative app id (`/prod/web`, `web`), or undefined when it is one. */
export function appIdProblem(raw: string): string | undefined {
  if (raw.length === 0 || raw.length > MAX_ID) return `must be 1 to ${MAX_ID} characters`;
  const segments = raw.replace(/^\//, '').replace(/\/$/, '').split('/');
  if (segments.length === 0 || segments.some((s) => !SEGMENT.test(s))) {
    return 'must be a path of segments of lowercase letters, digits, hyphens and dots (each segment starting and ending with a letter or digit)';
  }
  return undefined;
}

/** `prod/web/` -> `/prod/web`. Only call on ids appIdProblem accepts. */
export const canonicalAppId = (raw: string): string => `/${raw.replace(/^\//, '').replace(/\/$/, '')}`;

const appIdText = z.string().superRefine((v, ctx) => {
  const why = appIdProblem(v);
  if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
});
const appId = appIdText.transform(canonicalAppId);

const int = (min: number, max: number) => z.number().int('expected an integer').min(min).max(max);
const text = (max = 4096) => z.string().max(max);
const stringMap = z.record(text(1024), text(64 * 1024)).refine((m) => Object.keys(m).length <= 1024, 'at most 1024 entries');

export const CONSTRAINT_OPERATORS = ['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS'] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];

const Constraint = z.tuple([text(256).min(1), z.enum(CONSTRAINT_OPERATORS)], text(1024)).superRefine((c, ctx) => {
  const [, op, value, ...extra] = c;
  if (extra.length > 0) ctx.addIssue({ code: 'custom', message: 'a constraint is [field, operator] or [field, operator, value]' });
  if ((op === 'CLUSTER' || op === 'IS' || op === 'LIKE' || op === 'UNLIKE' || op === 'MAX_PER') && value === undefined) {
    ctx.addIssue({ code: 'custom', message: `${op} needs a value` });
  }
  if ((op === 'LIKE' || op === 'UNLIKE') && value !== undefined) {
    try {
      new RegExp(`^(?:${value})$`);
    } catch {
      ctx.addIssue({ code: 'custom', message: `'${value.slice(0, 100)}' is not a valid regular expression` });
    }
  }
  if ((op === 'MAX_PER' || op === 'GROUP_BY') && value !== undefined && !/^[1-9]\d{0,5}$/.test(value)) {
    ctx.addIssue({ code: 'custom', message: `${op} needs a positive integer value` });
  }
});
export type Constraint = z.output<typeof Constraint>;

const PortDefinition = z.strictObject({
  port: int(0, 65535),
  protocol: z.enum(['tcp', 'udp', 'udp,tcp']).default('tcp'),
  name: text(63).regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and hyphens').optional(),
  labels: stringMap.optional(),
});

export const HEALTH_CHECK_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'] as const;

const HealthCheck = z.strictObject({
  protocol: z.enum(HEALTH_CHECK_PROTOCOLS).default('HTTP'),
  path: text(1024).optional(),
  portIndex: int(0, 1000).optional(),
  port: int(0, 65535).optional(),
  command: z.strictObject({ value: text(64 * 1024).min(1) }).optional(),
  gracePeriodSeconds: int(0, 86_400 * 365).default(300),
  intervalSeconds: int(1, 86_400).default(60),
  timeoutSeconds: int(1, 86_400).default(20),
  maxConsecutiveFailures: int(0, 1_000_000).default(3),
  delaySeconds: int(0, 86_400).default(15),
  ignoreHttp1xx: z.boolean().default(false),
}).superRefine((h, ctx) => {
  if (h.protocol === 'COMMAND' && h.command === undefined) ctx.addIssue({ code: 'custom', message: 'a COMMAND health check needs command.value', path: ['command'] });
  if (h.protocol !== 'COMMAND' && h.command !== undefined) ctx.addIssue({ code: 'custom', message: `a ${h.protocol} health check takes no command`, path: ['command'] });
  if (h.port !== undefined && h.portIndex !== undefined) ctx.addIssue({ code: 'custom', message: 'port and portIndex are mutually exclusive', path: ['port'] });
});
export type HealthCheck = z.output<typeof HealthCheck>;

/** Marathon's ContainerPortMapping (appContainer.raml): containerPort 0 means "the host port"; hostPort 0 is one from the offer. */
const PortMapping = z.strictObject({
  containerPort: int(0, 65535).default(0),
  hostPort: int(0, 65535).optional(),
  servicePort: int(0, 65535).default(0),
  protocol: z.enum(['tcp', 'udp', 'udp,tcp']).default('tcp'),
  name: text(63).regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and hyphens').optional(),
  labels: stringMap.optional(),
});
export type PortMapping = z.output<typeof PortMapping>;

const Docker = z.strictObject({
  image: text(4096).min(1),
  /** Before Marathon 1.5; `networks` says it now. Absent: from `networks` (default HOST). */
  network: z.enum(['HOST', 'BRIDGE', 'NONE']).optional(),
  /** Before Marathon 1.5; `container.portMappings` now. */
  portMappings: z.array(PortMapping).max(100).optional(),
  forcePullImage: z.boolean().default(false),
  privileged: z.boolean().default(false),
  parameters: z.array(z.strictObject({ key: text(1024).min(1), value: text(64 * 1024) })).max(256).default([]),
});

const Container = z.strictObject({
  type: z.enum(['DOCKER', 'MESOS']).default('DOCKER'),
  docker: Docker.optional(),
  volumes: z.array(z.never()).max(0, 'volumes are not supported yet').default([]),
  portMappings: z.array(PortMapping).max(100).optional(),
}).superRefine((c, ctx) => {
  if (c.portMappings !== undefined && c.docker?.portMappings !== undefined) ctx.addIssue({ code: 'custom', message: "give 'container.portMappings' or the deprecated 'container.docker.portMappings', not both", path: ['docker', 'portMappings'] });
  if (c.type === 'DOCKER' && c.docker === undefined) ctx.addIssue({ code: 'custom', message: 'a DOCKER container needs docker.image', path: ['docker'] });
  if (c.type === 'MESOS' && c.docker !== undefined) ctx.addIssue({ code: 'custom', message: 'MESOS containers with a docker image are not supported yet', path: ['docker'] });
});

/** Why the master would refuse this fetcher URI (the same check it runs on CommandInfo.uris), or undefined. */
function uriProblem(value: string, destPath?: string): string | undefined {
  try {
    uriSpec({ value, ...(destPath !== undefined ? { output_file: destPath } : {}) }, 'uri');
    return undefined;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).replace(/^uri\.(value|output_file): /, '');
  }
}

const Uri = text(1024).min(1).superRefine((v, ctx) => {
  const why = uriProblem(v);
  if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
});

/** Marathon's Artifact (types/artifact.raml): note extract defaults to true, as in Mesos. */
const Artifact = z.strictObject({
  uri: Uri,
  extract: z.boolean().default(true),
  executable: z.boolean().default(false),
  cache: z.boolean().default(false),
  destPath: text(1024).min(1).optional(),
}).superRefine((a, ctx) => {
  const why = a.destPath !== undefined ? uriProblem(a.uri, a.destPath) : undefined;
  if (why !== undefined) ctx.addIssue({ code: 'custom', message: why, path: ['destPath'] });
});
export type Artifact = z.output<typeof Artifact>;

/** The archive suffixes Marathon extracts when converting legacy `uris` (state/FetchUri.scala supportedFileTypes). */
const EXTRACTABLE = ['.tar', '.tar.gz', '.tar.bz2', '.tar.xz', '.gz', '.tgz', '.tbz2', '.txz', '.zip'];

/** A legacy `uris` entry as an artifact: extracted only when its path ends like an archive (Marathon's rule). */
export function artifactOfUri(uri: string): Artifact {
  let p = uri;
  try {
    if (!uri.startsWith('/')) p = new URL(uri).pathname;
  } catch {
    // validated before; keep the raw text
  }
  return { uri, extract: EXTRACTABLE.some((x) => p.endsWith(x)), executable: false, cache: false };
}

const UpgradeStrategy = z.strictObject({
  minimumHealthCapacity: z.number().min(0).max(1).default(1),
  maximumOverCapacity: z.number().min(0).max(1).default(1),
});

const UnreachableStrategy = z.union([
  z.literal('disabled'),
  z.strictObject({ inactiveAfterSeconds: int(0, 2 ** 31 - 1).default(0), expungeAfterSeconds: int(0, 2 ** 31 - 1).default(0) })
    .refine((u) => u.inactiveAfterSeconds <= u.expungeAfterSeconds, 'inactiveAfterSeconds must not exceed expungeAfterSeconds'),
]);

/** Fields Marathon prints on reads; a client PUTting back what it GETs sends them, so they are accepted and dropped. */
const READ_ONLY = ['version', 'versionInfo', 'tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy', 'deployments', 'tasks', 'lastTaskFailure', 'readinessCheckResults', 'taskStats'] as const;
const readOnly = Object.fromEntries(READ_ONLY.map((k) => [k, z.unknown().optional()])) as Record<(typeof READ_ONLY)[number], z.ZodOptional<z.ZodUnknown>>;

/** Marathon 1.5+ `networks`: one host or bridge network (named container networks are not supported yet). */
const Network = z.strictObject({
  mode: z.enum(['host', 'container/bridge', 'container']).default('host'),
  name: text(256).optional(),
  labels: stringMap.optional(),
}).superRefine((n, ctx) => {
  if (n.mode === 'container') ctx.addIssue({ code: 'custom', message: 'named container networks (USER) are not supported yet; use host or container/bridge', path: ['mode'] });
  if (n.mode !== 'container' && n.name !== undefined) ctx.addIssue({ code: 'custom', message: `a ${n.mode} network takes no name`, path: ['name'] });
});

export const AppSchema = z.strictObject({
  id: appId,
  cmd: text(256 * 1024).min(1).optional(),
  args: z.array(text(64 * 1024)).max(4096).optional(),
  user: text(256).min(1).optional(),
  env: stringMap.default({}),
  instances: int(0, 100_000).default(1),
  cpus: z.number().min(0.001).max(1_000_000).default(1),
  mem: z.number().min(0).max(1e12).default(128),
  disk: z.number().min(0).max(1e15).default(0),
  gpus: int(0, 1024).default(0),
  executor: z.enum(['', '//cmd']).default(''),
  constraints: z.array(Constraint).max(100).default([]),
  acceptedResourceRoles: z.array(text(256).min(1)).max(100).optional(),
  labels: stringMap.default({}),
  ports: z.array(int(0, 65535)).max(1000).optional(),
  portDefinitions: z.array(PortDefinition).max(1000).optional(),
  requirePorts: z.boolean().default(false),
  backoffSeconds: int(0, 2 ** 31 - 1).default(1),
  backoffFactor: z.number().min(1).max(1000).default(1.15),
  maxLaunchDelaySeconds: int(0, 2 ** 31 - 1).default(300),
  upgradeStrategy: UpgradeStrategy.prefault({}),
  killSelection: z.enum(['YOUNGEST_FIRST', 'OLDEST_FIRST']).default('YOUNGEST_FIRST'),
  healthChecks: z.array(HealthCheck).max(10).default([]),
  container: Container.optional(),
  taskKillGracePeriodSeconds: int(0, 86_400 * 30).optional(),
  unreachableStrategy: UnreachableStrategy.prefault({}),
  /** Relative ids name siblings (resolved against the app's group in parseApp). */
  dependencies: z.array(appIdText).max(100).default([]),
  role: text(256).min(1).optional(),
  networks: z.array(Network).max(1, 'one network per app (host or container/bridge)').optional(),
  fetch: z.array(Artifact).max(256).optional(),
  /** Deprecated in Marathon for `fetch`; stored as `fetch`. */
  uris: z.array(Uri).max(256).optional(),
  secrets: z.record(z.string(), z.unknown()).refine((m) => Object.keys(m).length === 0, 'secrets are not supported yet').optional(),
  ...readOnly,
}).superRefine((a, ctx) => {
  if (a.cmd !== undefined && a.args !== undefined) ctx.addIssue({ code: 'custom', message: "an app takes one of 'cmd' or 'args', not both", path: ['cmd'] });
  if (a.cmd === undefined && a.args === undefined && a.container === undefined) {
    ctx.addIssue({ code: 'custom', message: "an app needs 'cmd', 'args' or a 'container'", path: ['cmd'] });
  }
  const mode = networkModeOf(a);
  if (mode === 'conflict') ctx.addIssue({ code: 'custom', message: "'networks' and the deprecated 'container.docker.network' disagree", path: ['networks'] });
  if ((mode === 'BRIDGE' || mode === 'NONE') && a.container?.type !== 'DOCKER') ctx.addIssue({ code: 'custom', message: 'bridge networking needs a DOCKER container', path: ['networks'] });
  const mappings = a.container?.portMappings ?? a.container?.docker?.portMappings;
  if (mappings !== undefined && mappings.length > 0 && mode !== 'BRIDGE') ctx.addIssue({ code: 'custom', message: 'portMappings need bridge networking (networks: [{mode: container/bridge}]); use portDefinitions on host networking', path: ['container', 'portMappings'] });
  if (mode === 'BRIDGE' && ((a.portDefinitions ?? []).length > 0 || (a.ports ?? []).length > 0)) ctx.addIssue({ code: 'custom', message: 'portDefinitions are for host networking; bridge networking uses container.portMappings', path: ['portDefinitions'] });
  const mappingNames = (mappings ?? []).map((p) => p.name).filter((n) => n !== undefined);
  if (new Set(mappingNames).size !== mappingNames.length) ctx.addIssue({ code: 'custom', message: 'port names must be unique', path: ['container', 'portMappings'] });
  const fixed = (mappings ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0);
  if (new Set(fixed).size !== fixed.length) ctx.addIssue({ code: 'custom', message: 'a host port can be mapped once', path: ['container', 'portMappings'] });
  if ((a.uris ?? []).length > 0 && (a.fetch ?? []).length > 0) ctx.addIssue({ code: 'custom', message: "may not be set in conjunction with 'fetch'", path: ['uris'] });
  if (a.ports !== undefined && a.portDefinitions !== undefined) ctx.addIssue({ code: 'custom', message: "give 'portDefinitions' or the deprecated 'ports', not both", path: ['ports'] });
  const { minimumHealthCapacity: m, maximumOverCapacity: o } = a.upgradeStrategy;
  if (m === 1 && o === 0) ctx.addIssue({ code: 'custom', message: 'minimumHealthCapacity 1 with maximumOverCapacity 0 leaves a rolling upgrade no room to proceed', path: ['upgradeStrategy'] });
  const names = (a.portDefinitions ?? []).map((p) => p.name).filter((n) => n !== undefined);
  if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', message: 'port names must be unique', path: ['portDefinitions'] });
  (a.healthChecks).forEach((h, i) => {
    const ports = mode === 'BRIDGE' ? (mappings ?? []).length : (a.portDefinitions ?? a.ports ?? [0]).length;
    if (h.portIndex !== undefined && h.portIndex >= ports) ctx.addIssue({ code: 'custom', message: `portIndex ${h.portIndex} has no port (the app has ${ports})`, path: ['healthChecks', i, 'portIndex'] });
  });
});

/** The network an app's instances join, from `networks` or the deprecated docker.network. */
function networkModeOf(a: { networks?: { mode: string }[] | undefined; container?: { docker?: { network?: 'HOST' | 'BRIDGE' | 'NONE' | undefined } | undefined } | undefined }): 'HOST' | 'BRIDGE' | 'NONE' | 'conflict' {
  const fromNetworks = a.networks?.[0] === undefined ? undefined : a.networks[0].mode === 'container/bridge' ? 'BRIDGE' : 'HOST';
  const legacy = a.container?.docker?.network;
  if (fromNetworks !== undefined && legacy !== undefined && legacy !== fromNetworks) return 'conflict';
  return fromNetworks ?? legacy ?? 'HOST';
}

type ParsedApp = z.output<typeof AppSchema>;
export type PortDefinitionOut = z.output<typeof PortDefinition>;

/** A validated app with defaults filled in, ports as portDefinitions, and no read-only fields. */
export type AppDefinition = Omit<ParsedApp, (typeof READ_ONLY)[number] | 'ports' | 'portDefinitions' | 'fetch' | 'uris' | 'secrets' | 'networks'> & {
  /** Normalized (absent in records from before it was): one host or container/bridge network. */
  networks?: { mode: 'host' | 'container/bridge' }[];
  portDefinitions: PortDefinitionOut[];
  /** `fetch`, or the legacy `uris` converted; absent from records written before fetching was supported. */
  fetch?: Artifact[];
};

/** What Marathon answers a rejected definition with: 422 `{message, details: [{path, errors}]}`. */
export interface ValidationFailure {
  message: string;
  details: { path: string; errors: string[] }[];
}

/** Marathon prints paths as `/container/docker/parameters(0)/key`. */
function marathonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `(${p})` : `/${String(p)}`;
  return out === '' ? '/' : out;
}

export function validationFailure(error: z.ZodError): ValidationFailure {
  const byPath = new Map<string, string[]>();
  for (const issue of error.issues.slice(0, 50)) {
    const p = marathonPath(issue.path);
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.slice(0, 10).join(', ')}` : issue.message;
    byPath.set(p, [...(byPath.get(p) ?? []), message]);
  }
  return { message: 'Object is not valid', details: [...byPath].map(([path, errors]) => ({ path, errors })) };
}

export type AppParse = { ok: true; app: AppDefinition } | { ok: false; failure: ValidationFailure };

/** Validates untrusted JSON as an app definition, filling in Marathon's defaults. */
export function parseApp(json: unknown): AppParse {
  const r = AppSchema.safeParse(json);
  if (!r.success) return { ok: false, failure: validationFailure(r.error) };
  const { ports, portDefinitions, fetch, uris, secrets: _s, networks: _n, ...rest } = r.data;
  for (const k of READ_ONLY) delete (rest as Record<string, unknown>)[k];
  const mode = networkModeOf(r.data) as 'HOST' | 'BRIDGE' | 'NONE';
  // Bridge apps publish their portMappings instead; a host app without ports gets Marathon's one dynamic port.
  const defs: PortDefinitionOut[] = mode === 'BRIDGE' ? [] : portDefinitions ?? (ports ?? [0]).map((port) => ({ port, protocol: 'tcp' as const }));
  const artifacts = (fetch ?? []).length > 0 ? fetch! : (uris ?? []).map(artifactOfUri);
  const group = rest.id.slice(0, rest.id.lastIndexOf('/'));
  const dependencies = rest.dependencies.map((d) => canonicalAppId(d.startsWith('/') ? d : `${group}/${d}`));
  const app = { ...(rest as Omit<AppDefinition, 'portDefinitions' | 'fetch' | 'networks'>), dependencies, portDefinitions: defs, fetch: artifacts };
  if (app.container?.docker !== undefined) {
    // One shape stored: networks, container.portMappings (bridge: hostPort 0 unless given), docker.network.
    const { portMappings: legacyMappings, ...docker } = app.container.docker;
    const mappings = (app.container.portMappings ?? legacyMappings ?? []).map((p) => ({ ...p, hostPort: p.hostPort ?? 0 }));
    app.container = { ...app.container, docker: { ...docker, network: mode }, ...(mode === 'BRIDGE' ? { portMappings: mappings } : {}) };
  }
  return { ok: true, app: { ...app, networks: [{ mode: mode === 'BRIDGE' ? 'container/bridge' : 'host' }] } };
}

/** True when `next` differs from `prev` in more than the instance count (Marathon restarts tasks only then). */
export function isConfigChange(prev: AppDefinition, next: AppDefinition): boolean {
  // Records from before `fetch` and `networks` were stored have neither: the same as the defaults.
  const { instances: _a, fetch: pf, networks: pn, ...p } = prev;
  const { instances: _b, fetch: nf, networks: nn, ...n } = next;
  const host = [{ mode: 'host' }];
  return JSON.stringify(p) !== JSON.stringify(n) || JSON.stringify(pf ?? []) !== JSON.stringify(nf ?? []) || JSON.stringify(pn ?? host) !== JSON.stringify(nn ?? host);
}
