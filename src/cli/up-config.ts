import fs from 'node:fs';
import os from 'node:os';
import type { ContainerizerName, RoleConfig } from '../roles/config.js';
import { FLAGS, FlagError, defaultDataDir } from './flags.js';

/** Marathon's own port: its users' scripts and tools default to it. */
const DEFAULT_MARATHON_PORT = 8080;

/** The parsed, validated and frozen configuration of `tsmesos up`: what the roles start from. */
export type UpConfig = RoleConfig;

type FlagKey = keyof typeof FLAGS;
const KEYS = Object.keys(FLAGS) as FlagKey[];
export const envName = (flag: string): string => `TSMESOS_${flag.toUpperCase().replace(/-/g, '_')}`;

/** A config file's values by flag name, with the key as written there (for messages). */
type FileValues = Record<string, { value: string; key: string }>;

/** Reads `--config FILE`: a JSON object keyed by flag name (`data-dir` or `data_dir`). */
function readConfigFile(file: string, source: string): FileValues {
  const bad = (detail: string): FlagError => new FlagError(`invalid --config '${file}'`, detail).from(source);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw bad((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('expected a JSON object of flag names to values');
  const out: FileValues = {};
  const known = new Set<string>(KEYS.map((k) => FLAGS[k].name));
  for (const [k, v] of Object.entries(parsed)) {
    const name = k.replace(/_/g, '-');
    if (!known.has(name)) throw bad(`unknown key '${k}'`);
    if (typeof v !== 'string' && typeof v !== 'number') throw bad(`'${k}' must be a string or number`);
    out[name] = { value: String(v), key: k };
  }
  return out;
}

/** Merges flags (highest), environment, config file; validates each value once, naming its source when bad. */
export function resolveUpConfig(cliOpts: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): UpConfig {
  const cliConfig = cliOpts['config'] as string | undefined;
  const configPath = cliConfig ?? env['TSMESOS_CONFIG'];
  const configSource = cliConfig !== undefined ? 'from the command line' : 'from the environment variable TSMESOS_CONFIG';
  const file = configPath !== undefined ? readConfigFile(configPath, configSource) : {};
  const raw: Partial<Record<FlagKey, string>> = {};
  /** Where each value came from, as said in messages: "from the environment variable TSMESOS_PORT". */
  const source: Partial<Record<FlagKey, string>> = {};
  for (const key of KEYS) {
    const flag = FLAGS[key].name;
    const fromCli = cliOpts[key] as string | undefined;
    const fromEnv = env[envName(flag)];
    const fromFile = file[flag];
    if (fromCli !== undefined) {
      raw[key] = fromCli;
      source[key] = 'from the command line';
    } else if (fromEnv !== undefined) {
      raw[key] = fromEnv;
      source[key] = `from the environment variable ${envName(flag)}`;
    } else if (fromFile !== undefined) {
      raw[key] = fromFile.value;
      source[key] = `from key '${fromFile.key}' in the config file ${configPath ?? ''}`;
    }
  }
  /** A FlagError about flag `k`, saying where its value came from. */
  const bad = (k: FlagKey, head: string, detail: string): FlagError => new FlagError(head, detail).from(source[k] ?? 'the default');
  const parse = <K extends FlagKey>(k: K, value: string): ReturnType<(typeof FLAGS)[K]['parse']> => {
    try {
      return FLAGS[k].parse(value) as ReturnType<(typeof FLAGS)[K]['parse']>;
    } catch (e) {
      throw e instanceof FlagError ? e.from(source[k] ?? 'the default') : e;
    }
  };
  if (raw.role === undefined) throw new FlagError('missing --role (or TSMESOS_ROLE, or "role" in the config file)', 'expected one of master, agent, all');
  const role = parse('role', raw.role);
  const get = <K extends FlagKey>(k: K): ReturnType<(typeof FLAGS)[K]['parse']> | undefined => {
    const v = raw[k];
    return v === undefined ? undefined : parse(k, v);
  };
  const ip = get('ip') ?? (role === 'agent' ? '127.0.0.1' : '127.0.0.1');
  const port = get('port');
  const masters = get('master');
  if (role === 'agent' && masters === undefined) throw new FlagError('missing --master (or TSMESOS_MASTER, or "master" in the config file)', 'an agent needs HOST:PORT of its master(s)');
  if (role !== 'agent' && masters !== undefined) throw bad('master', 'invalid --master', `only --role agent takes it (role ${role} runs its own master)`);
  if (role !== 'all' && raw.agentPort !== undefined) throw bad('agentPort', 'invalid --agent-port', 'only --role all takes it; use --port for an agent');
  const masterPort = role === 'agent' ? 5050 : port ?? 5050;
  const agentPort = role === 'agent' ? port ?? 5051 : get('agentPort') ?? 5051;
  if (role === 'all' && masterPort === agentPort) throw bad('agentPort', `invalid --agent-port ${agentPort}`, 'must differ from the master port');
  const marathonPort = role === 'agent' ? 0 : get('marathonPort') ?? DEFAULT_MARATHON_PORT;
  if (marathonPort !== 0 && (marathonPort === masterPort || (role === 'all' && marathonPort === agentPort))) {
    throw bad('marathonPort', `invalid --marathon-port ${marathonPort}`, 'must differ from the master and agent ports');
  }
  if (role !== 'master' && raw.peers !== undefined) throw bad('peers', 'invalid --peers', `only --role master takes it (role ${role} runs a one-member master cluster)`);
  const heartbeatIntervalMs = get('heartbeatInterval') ?? 100;
  const electionTimeoutMs = get('electionTimeout') ?? 1000;
  // Master-only flags on an agent's command line are a mistake; from the environment or a shared config
  // file (one file for a host's master and agent) they are ignored.
  for (const k of ['agentPingTimeout', 'maxAgentPingTimeouts', 'maxCompletedFrameworks', 'maxCompletedTasksPerFramework', 'requireAgentDomain', 'agentRemovalRateLimit', 'offerTimeout', 'minAllocatableResources', 'marathonPort', 'agentTls', 'authenticateFrameworks', 'authenticateHttpReadwrite', 'authenticateHttpReadonly', 'authFailureLimit', 'rateLimits', 'acls'] as const) {
    if (role === 'agent' && raw[k] !== undefined && source[k] === 'from the command line') throw bad(k, `invalid --${FLAGS[k].name}`, 'a master flag (--role master or all)');
  }
  // Mesos refuses to start with --require_agent_domain but no --domain of its own.
  if (role !== 'agent' && get('requireAgentDomain') === true && raw.domain === undefined) {
    throw bad('requireAgentDomain', 'invalid --require-agent-domain true', "needs the master's own --domain");
  }
  if (electionTimeoutMs < 2 * heartbeatIntervalMs) {
    throw bad('electionTimeout', `invalid --election-timeout ${electionTimeoutMs}ms`, `must be at least twice --heartbeat-interval (${heartbeatIntervalMs}ms${source.heartbeatInterval !== undefined ? `, ${source.heartbeatInterval}` : ''})`);
  }
  const flagStrings: Record<string, string> = { role };
  for (const key of KEYS) if (raw[key] !== undefined) flagStrings[FLAGS[key].name] = raw[key];
  return Object.freeze({
    role,
    dataDir: get('dataDir') ?? defaultDataDir(env),
    ip,
    masterPort,
    agentPort,
    hostname: get('hostname') ?? os.hostname(),
    masters: masters ?? [{ host: ip, port: masterPort }],
    peers: get('peers') ?? [],
    heartbeatIntervalMs,
    electionTimeoutMs,
    agentReregisterTimeoutMs: get('agentReregisterTimeout') ?? 600_000,
    offerTimeoutMs: get('offerTimeout') ?? null,
    agentPingTimeoutMs: get('agentPingTimeout') ?? 15_000,
    maxAgentPingTimeouts: get('maxAgentPingTimeouts') ?? 5,
    maxCompletedFrameworks: get('maxCompletedFrameworks') ?? 50,
    maxCompletedTasksPerFramework: get('maxCompletedTasksPerFramework') ?? 1000,
    requireAgentDomain: get('requireAgentDomain') ?? false,
    agentRemovalRate: get('agentRemovalRateLimit') ?? null,
    minAllocatableResources: get('minAllocatableResources') ?? null,
    servicesRole: get('servicesRole') ?? '*',
    marathonPort,
    marathonPortRequired: raw.marathonPort !== undefined,
    agentTls: role === 'agent' ? 'required' : get('agentTls') ?? 'required',
    authenticateFrameworks: role !== 'agent' && (get('authenticateFrameworks') ?? false),
    acls: role === 'agent' ? null : get('acls') ?? null,
    authenticateHttpReadwrite: role !== 'agent' && (get('authenticateHttpReadwrite') ?? false),
    authenticateHttpReadonly: role !== 'agent' && (get('authenticateHttpReadonly') ?? false),
    apiTls: get('apiTls') ?? 'auto',
    authFailureLimit: get('authFailureLimit') ?? 10,
    rateLimits: role === 'agent' ? null : get('rateLimits') ?? null,
    resources: get('resources') ?? null,
    attributes: get('attributes') ?? [],
    domain: get('domain') ?? null,
    containerizers: get('containerizers') ?? (['posix'] as ContainerizerName[]),
    isolation: get('isolation') ?? null,
    switchUser: get('switchUser') ?? true,
    gcDelayMs: get('gcDelay') ?? 7 * 24 * 3600 * 1000,
    gcDiskHeadroom: get('gcDiskHeadroom') ?? 0.1,
    diskWatchIntervalMs: get('diskWatchInterval') ?? 60_000,
    logLevel: get('logLevel') ?? 'info',
    logDir: get('logDir') ?? null,
    flagStrings,
  });
}
