// The parts of TaskInfo beyond command and container: fetcher URIs, the health check and
// max_completion_time, validated as Mesos does (src/common/validation.cpp) plus our own bounds.
import { TsmesosError } from '../domain/errors.js';
import type { CommandSpec, HealthCheckSpec, UriSpec } from '../domain/task-spec.js';
import type { CommandInfo, HealthCheck } from './mesos.js';

const bad = (message: string): never => {
  throw new TsmesosError('BAD_REQUEST', message);
};

/** Longest duration honoured for health-check timings and max_completion_time (a year). */
const MAX_DURATION_MS = 365 * 24 * 3600 * 1000;

type CommandUri = CommandInfo['uris'][number];

/** http(s)://, file:// or an absolute local path; relative and other schemes are refused. */
export function uriSpec(u: CommandUri, where: string): UriSpec {
  const value = u.value.trim();
  if (value === '') bad(`${where}.value: must not be empty`);
  if (value.includes('\u0000')) bad(`${where}.value: NUL bytes are not allowed`);
  if (!value.startsWith('/')) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return bad(`${where}.value: '${value}' is neither an absolute path nor a URL`);
    }
    if (!['http:', 'https:', 'file:'].includes(url.protocol)) {
      bad(`${where}.value: scheme '${url.protocol.replace(/:$/, '')}' is not supported (http, https, file or an absolute path)`);
    }
  }
  let outputFile: string | undefined;
  if (u.output_file !== undefined && u.output_file !== '') {
    const f = u.output_file;
    if (f.includes('\u0000')) bad(`${where}.output_file: NUL bytes are not allowed`);
    if (f.startsWith('/')) bad(`${where}.output_file: must be relative to the sandbox`);
    if (f.split('/').some((part) => part === '..')) bad(`${where}.output_file: must not contain '..'`);
    if (f.endsWith('/')) bad(`${where}.output_file: must name a file`);
    outputFile = f;
  }
  return {
    value, executable: u.executable ?? false, extract: u.extract ?? true, cache: u.cache ?? false,
    ...(outputFile !== undefined ? { outputFile } : {}),
  };
}

export function uriToWire(u: UriSpec): CommandUri {
  return { value: u.value, executable: u.executable, extract: u.extract, cache: u.cache, ...(u.outputFile !== undefined ? { output_file: u.outputFile } : {}) };
}

function seconds(value: number | undefined, fallback: number, where: string): number {
  const s = value ?? fallback;
  if (s < 0) bad(`${where}: must be non-negative`);
  return Math.min(s * 1000, MAX_DURATION_MS);
}

/** Mesos's HealthCheck validation, with its defaults applied. */
export function healthCheckSpec(h: HealthCheck, where: string, command: (c: CommandInfo, where: string) => CommandSpec): HealthCheckSpec {
  if (h.type === undefined) bad(`${where}: HealthCheck must specify 'type'`);
  const timing = {
    delayMs: seconds(h.delay_seconds, 15, `${where}.delay_seconds`),
    intervalMs: seconds(h.interval_seconds, 10, `${where}.interval_seconds`),
    timeoutMs: seconds(h.timeout_seconds, 20, `${where}.timeout_seconds`),
    consecutiveFailures: h.consecutive_failures ?? 3,
    gracePeriodMs: seconds(h.grace_period_seconds, 10, `${where}.grace_period_seconds`),
  };
  switch (h.type) {
    case 'COMMAND': {
      const c = h.command ?? bad(`${where}: Expecting 'command' to be set for COMMAND health check`);
      if (c.value === undefined || c.value === '') bad(`${where}.command.value: Command health check must contain ${(c.shell ?? true) ? "'shell command'" : "'executable path'"}`);
      return { type: 'COMMAND', ...timing, command: command(c, `${where}.command`) };
    }
    case 'HTTP': {
      const http = h.http ?? bad(`${where}: Expecting 'http' to be set for HTTP health check`);
      const scheme = http.scheme ?? 'http';
      if (scheme !== 'http' && scheme !== 'https') bad(`${where}.http.scheme: Unsupported HTTP health check scheme: '${scheme}'`);
      const path = http.path ?? '';
      if (path !== '' && !path.startsWith('/')) bad(`${where}.http.path: The path '${path}' of HTTP health check must start with '/'`);
      if (/[\s\u0000-\u001f\u007f]/.test(path)) bad(`${where}.http.path: must not contain whitespace or control characters`);
      if (http.protocol === 'IPv6') bad(`${where}.http.protocol: IPv6 health checks are not supported yet`);
      if (http.port < 1 || http.port > 65535) bad(`${where}.http.port: must be a port number (1-65535)`);
      return { type: 'HTTP', ...timing, http: { scheme: scheme as 'http' | 'https', port: http.port, path } };
    }
    case 'TCP': {
      const tcp = h.tcp ?? bad(`${where}: Expecting 'tcp' to be set for TCP health check`);
      if (tcp.protocol === 'IPv6') bad(`${where}.tcp.protocol: IPv6 health checks are not supported yet`);
      if (tcp.port < 1 || tcp.port > 65535) bad(`${where}.tcp.port: must be a port number (1-65535)`);
      return { type: 'TCP', ...timing, tcp: { port: tcp.port } };
    }
    default:
      return bad(`${where}.type: '${String(h.type)}' is not a valid health check type`);
  }
}

export function healthCheckToWire(h: HealthCheckSpec, command: (c: CommandSpec) => CommandInfo): HealthCheck {
  return {
    type: h.type,
    delay_seconds: h.delayMs / 1000,
    interval_seconds: h.intervalMs / 1000,
    timeout_seconds: h.timeoutMs / 1000,
    consecutive_failures: h.consecutiveFailures,
    grace_period_seconds: h.gracePeriodMs / 1000,
    ...(h.command !== undefined ? { command: command(h.command) } : {}),
    ...(h.http !== undefined ? { http: { scheme: h.http.scheme, port: h.http.port, path: h.http.path, statuses: [] } } : {}),
    ...(h.tcp !== undefined ? { tcp: { port: h.tcp.port } } : {}),
  };
}

export function maxCompletionTimeMs(d: { nanoseconds: number } | undefined, where: string): number | undefined {
  if (d === undefined) return undefined;
  if (d.nanoseconds < 0) bad(`${where}: must be non-negative`);
  return Math.min(d.nanoseconds / 1e6, MAX_DURATION_MS);
}
