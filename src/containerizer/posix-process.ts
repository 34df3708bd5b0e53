// The process side of the posix containerizer: spawn arguments, environment, sandbox output
// files, process groups, and the errors and terminations they produce.
import type { ChildProcess } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TsmesosError, type ErrorCode } from '../domain/errors.js';
import type { Clock } from '../lib/clock.js';
import type { ContainerTermination, LaunchSpec } from './types.js';

export function validateSpec(spec: LaunchSpec): void {
  if (spec.containerId === '') throw new TsmesosError('BAD_REQUEST', 'Container id must not be empty');
  if (spec.command.value === '') {
    throw new TsmesosError('BAD_REQUEST', `Container '${spec.containerId}': command value must not be empty`);
  }
}

/** Mesos CommandInfo: shell runs the value through /bin/sh; otherwise value is the binary and arguments[0] its argv0. */
export function executable(spec: LaunchSpec): { file: string; args: string[]; argv0: string } {
  const { command } = spec;
  if (command.shell) return { file: '/bin/sh', args: ['-c', command.value], argv0: 'sh' };
  const [argv0 = command.value, ...rest] = command.arguments;
  return { file: command.value, args: rest, argv0 };
}

/** Later sources win: agent environment < agent-injected MESOS_* variables < the task's own environment. */
export function taskEnvironment(base: NodeJS.ProcessEnv, spec: LaunchSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  return { ...env, ...spec.env, ...spec.command.environment };
}

interface OutputFiles {
  stdout: FileHandle;
  stderr: FileHandle;
  close(): Promise<void>;
}

export async function openOutputFiles(spec: LaunchSpec): Promise<OutputFiles> {
  const openAppend = async (name: string): Promise<FileHandle> => {
    try {
      return await open(path.join(spec.sandboxDir, name), 'a');
    } catch (e) {
      const code = errnoCode(e);
      throw new TsmesosError(
        code === 'ENOENT' ? 'NOT_FOUND' : 'INTERNAL',
        `Container '${spec.containerId}': cannot open ${name} in sandbox '${spec.sandboxDir}' (${code ?? String(e)})`,
        { cause: e },
      );
    }
  };
  const stdout = await openAppend('stdout');
  const stderr = await openAppend('stderr').catch(async (e: unknown) => {
    await stdout.close();
    throw e;
  });
  return { stdout, stderr, close: async () => void (await Promise.all([stdout.close(), stderr.close()])) };
}

/** Resolves on 'spawn', rejects on an 'error' emitted first (ENOENT, EACCES, EAGAIN, ...). */
export function spawned(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSpawn = (): void => {
      child.off('error', onError);
      resolve();
    };
    const onError = (err: Error): void => {
      child.off('spawn', onSpawn);
      reject(err);
    };
    child.once('spawn', onSpawn);
    child.once('error', onError);
  });
}

export function launchError(spec: LaunchSpec, file: string, cause: unknown): TsmesosError {
  const code = errnoCode(cause);
  const errorCode: ErrorCode =
    code === 'ENOENT' || code === 'EACCES' || code === 'ENOEXEC' || code?.startsWith('ERR_INVALID_ARG') === true
      ? 'BAD_REQUEST'
      : code === 'EAGAIN' || code === 'EMFILE' || code === 'ENFILE'
        ? 'UNAVAILABLE'
        : 'INTERNAL';
  const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(cause));
  return new TsmesosError(errorCode, `Failed to launch container '${spec.containerId}': cannot execute '${file}': ${reason}`, {
    cause,
  });
}

export function memoryLimitation(code: number | null, signal: NodeJS.Signals | null, memMb: number | undefined): ContainerTermination {
  const message = `Memory limit exceeded: the container was OOM-killed at its ${memMb ?? '?'} MB limit`;
  return { exitCode: signal !== null ? null : code, signal, killed: false, message, limitation: { resource: 'mem', message } };
}

export function describeTermination(code: number | null, signal: NodeJS.Signals | null, killed: boolean): ContainerTermination {
  const message = signal !== null ? `Command terminated with signal ${signal}` : `Command exited with status ${code ?? 'unknown'}`;
  return { exitCode: signal !== null ? null : code, signal, killed, message };
}

/** Signals the whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    const code = errnoCode(e);
    if (code !== 'ESRCH' && code !== 'EPERM') throw e;
  }
}

/** True if `promise` settles within `ms`; the timer is cancelled either way. */
export function settlesWithin(promise: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve(false), Math.max(0, ms));
    const done = (): void => {
      timer.cancel();
      resolve(true);
    };
    promise.then(done, done);
  });
}

export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}
