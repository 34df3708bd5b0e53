import fs from 'node:fs';
import os from 'node:os';
import type { ContainerizerName, RoleConfig } from '../roles/config.js';
import { FLAGS, FlagError, defaultDataDir } from './flags.js';

/** The parsed, validated and frozen configuration of `tsmesos up`: what the roles start from. */
export type UpConfig = RoleConfig;

type FlagKey = keyof typeof FLAGS;
const KEYS = Object.keys(FLAGS) as FlagKey[];
const envName = (flag: string): string => `TSMESOS_${flag.toUpperCase().replace(/-/g, '_')}`;

/** Reads `--config FILE`: a JSON object keyed by flag name (`data-dir` or `data_dir`). */
function readConfigFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new FlagError(`invalid --config '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new FlagError(`invalid --config '${file}': not JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new FlagError(`invalid --config '${file}': expected a JSON object of flag names to values`);
  const out: Record<string, string> = {};
  const known = new Set<string>(KEYS.map((k) => FLAGS[k].name));
  for (const [k, v] of Object.entries(parsed)) {
    const name = k.replace(/_/g, '-');
    if (!known.has(name)) throw new FlagError(`invalid --config '${file}': unknown key '${k}'`);
    if (typeof v !== 'string' && typeof v !== 'number') throw new FlagError(`invalid --config '${file}': '${k}' must be a string or number`);
    out[name] = String(v);
  }
  return out;
}

/** Merges flags (highest), environment, config file; validates each value once. */
export function resolveUpConfig(cliOpts: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): UpConfig {
  const configPath = (cliOpts['config'] as string | undefined) ?? env['TSMESOS_CONFIG'];
  const file = configPath !== undefined ? readConfigFile(configPath) : {};
  const raw: Partial<Record<FlagKey, string>> = {};
  for (const key of KEYS) {
    const flag = FLAGS[key].name;
    const v = (cliOpts[key] as string | undefined) ?? env[envName(flag)] ?? file[flag];
    if (v !== undefined) raw[key] = v;
  }
  if (raw.role === undefined) throw new FlagError('missing --role: expected one of master, agent, all');
  const role = FLAGS.role.parse(raw.role);
  const get = <K extends FlagKey>(k: K): ReturnType<(typeof FLAGS)[K]['parse']> | undefined =>
    raw[k] === undefined ? undefined : (FLAGS[k].parse(raw[k]) as ReturnType<(typeof FLAGS)[K]['parse']>);
  const ip = get('ip') ?? (role === 'agent' ? '127.0.0.1' : '127.0.0.1');
  const port = get('port');
  const masters = get('master');
  if (role === 'agent' && masters === undefined) throw new FlagError('missing --master: an agent needs HOST:PORT of its master(s)');
  if (role !== 'agent' && masters !== undefined) throw new FlagError(`invalid --master: only --role agent takes it (role ${role} runs its own master)`);
  if (role !== 'all' && raw.agentPort !== undefined) throw new FlagError('invalid --agent-port: only --role all takes it; use --port for an agent');
  const masterPort = role === 'agent' ? 5050 : port ?? 5050;
  const agentPort = role === 'agent' ? port ?? 5051 : get('agentPort') ?? 5051;
  if (role === 'all' && masterPort === agentPort) throw new FlagError(`invalid --agent-port ${agentPort}: must differ from the master port`);
  if (role !== 'master' && raw.peers !== undefined) throw new FlagError(`invalid --peers: only --role master takes it (role ${role} runs a one-member master cluster)`);
  const heartbeatIntervalMs = get('heartbeatInterval') ?? 100;
  const electionTimeoutMs = get('electionTimeout') ?? 1000;
  if (electionTimeoutMs < 2 * heartbeatIntervalMs) {
    throw new FlagError(`invalid --election-timeout ${electionTimeoutMs}ms: must be at least twice --heartbeat-interval (${heartbeatIntervalMs}ms)`);
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
    resources: get('resources') ?? null,
    attributes: get('attributes') ?? [],
    containerizers: get('containerizers') ?? (['posix'] as ContainerizerName[]),
    logLevel: get('logLevel') ?? 'info',
    flagStrings,
  });
}
