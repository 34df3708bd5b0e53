// The three Mesos health probes, each one attempt that resolves (healthy) or rejects (why not).
// HTTP and TCP go to 127.0.0.1 (Mesos: "in most cases 127.0.0.1"; tasks on the host network).
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { CommandSpec } from '../domain/task-spec.js';
import type { HttpClient } from '../lib/http-client.js';
import type { HealthProbe } from './health-check.js';
import { resolveUser, type UserIds } from '../containerizer/task-user.js';

const LOOPBACK = '127.0.0.1';

/** GET scheme://127.0.0.1:port/path; 2xx and 3xx are healthy (Mesos default executors); https is not verified (curl -k). */
export function httpProbe(client: HttpClient, target: { scheme: 'http' | 'https'; port: number; path: string }): HealthProbe {
  return async (signal) => {
    const { res } = await client.open({
      host: LOOPBACK, port: target.port, path: target.path === '' ? '/' : target.path, scheme: target.scheme, insecure: true, signal,
      connectTimeoutMs: 60_000,
    });
    res.destroy(); // only the status matters; a huge or endless body is never read
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 400) throw new Error(`Unexpected HTTP response code: ${status}`);
  };
}

export function tcpProbe(port: number): HealthProbe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: LOOPBACK, port, signal });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', (err) => {
        socket.destroy();
        reject(new Error(`TCP connection to ${LOOPBACK}:${port} failed: ${err.message}`));
      });
    });
}

/**
 * Runs the check command in the task's sandbox with the task's environment; exit 0 is healthy.
 * `user`: the check runs as the task's user (--switch-user), as Mesos runs it; its ids are looked
 * up once, at the first probe. Node drops the supplementary groups there (setgroups(0)): the check
 * gets the user's uid and primary group.
 */
export function commandProbe(command: CommandSpec, context: { cwd: string; env: Record<string, string>; user?: string }): HealthProbe {
  let ids: Promise<UserIds | undefined> | undefined;
  return async (signal) => {
    let runAs: { uid: number; gid: number } | undefined;
    if (context.user !== undefined) {
      ids ??= resolveUser(context.user);
      const found = await ids;
      if (found === undefined) throw new Error(`cannot run the health check command as user '${context.user}': no such user on this agent`);
      runAs = { uid: found.uid, gid: found.gids[0] ?? found.uid };
    }
    return runCheck(command, context, runAs, signal);
  };
}

function runCheck(command: CommandSpec, context: { cwd: string; env: Record<string, string> }, runAs: { uid: number; gid: number } | undefined, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const [argv0 = command.value, ...rest] = command.arguments;
    const options = { cwd: context.cwd, env: { ...context.env, ...command.environment }, detached: true, stdio: 'ignore' as const, ...runAs };
    const child = command.shell ? spawn('/bin/sh', ['-c', command.value], options) : spawn(command.value, rest, { ...options, argv0 });
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    signal.addEventListener('abort', killGroup, { once: true });
    child.once('error', (err) => {
      signal.removeEventListener('abort', killGroup);
      reject(new Error(`cannot run the health check command: ${err.message}`));
    });
    child.once('exit', (code, sig) => {
      signal.removeEventListener('abort', killGroup);
      killGroup(); // what the check left running in its group
      if (code === 0) resolve();
      else reject(new Error(sig !== null ? `Command terminated with signal ${sig}` : `Command exited with status ${code ?? 'unknown'}`));
    });
  });
}
