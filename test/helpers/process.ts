import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { removeAgentLeftovers } from './container-cleanup.js';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const BINARY = path.join(REPO, 'build', 'out', 'tsmesos');

// Ports handed out by this process: the kernel may give the same free port to two calls in
// a row (nothing listens on it yet), and a master and agent on one port fail at start.
const handedOut = new Set<number>();

/** A free TCP port on `host` (bind to 0, read, close), never one this process handed out before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, host, () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

// Everything a test file creates through these helpers (temp dirs, processes, in-process
// servers) is removed at the END of that file, pass or fail: test/helpers/cleanup.setup.ts
// (a vitest setupFile) runs cleanupTestFile() in a file-level afterAll. Never earlier: tests
// restart nodes on the same data dir. test/helpers/global-setup.ts checks nothing is left.

const createdDirs = new Set<string>();
const liveProcs = new Set<Proc>();
const pendingStops = new Set<() => Promise<void>>();

/** A fresh directory under the temp dir, removed at the end of the test file. */
export function tempDir(prefix = 'tsmesos-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  createdDirs.add(dir);
  return dir;
}

/** Registers `stop` to run at the end of the test file; returns it, callable once (later calls are no-ops). */
export function stopAtEnd(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  const once = (): Promise<void> => {
    pendingStops.delete(once);
    done ??= stop();
    return done;
  };
  pendingStops.add(once);
  return once;
}

const STOP_GRACE_MS = 5000;

/** Stops a process still running: SIGTERM (an agent then kills its tasks), SIGKILL after STOP_GRACE_MS. */
async function stopProc(p: Proc): Promise<void> {
  const alive = (): boolean => p.child.exitCode === null && p.child.signalCode === null;
  if (!alive()) return;
  const within = (ms: number): Promise<unknown> => Promise.race([p.exited, new Promise((r) => setTimeout(r, ms).unref())]);
  p.kill('SIGTERM');
  await within(STOP_GRACE_MS);
  if (alive()) {
    p.kill('SIGKILL');
    await within(STOP_GRACE_MS);
  }
}

/** End of a test file: in-process servers, then processes, then temp dirs. Errors are collected, not thrown early. */
export async function cleanupTestFile(): Promise<void> {
  const errors: unknown[] = [];
  for (const stop of [...pendingStops]) await stop().catch((e: unknown) => errors.push(e));
  await Promise.all([...liveProcs].map((p) => stopProc(p).catch((e: unknown) => errors.push(e))));
  await removeAgentLeftovers(createdDirs).catch((e: unknown) => errors.push(e));
  for (const dir of createdDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      createdDirs.delete(dir);
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `test cleanup: ${errors.length} error(s)`);
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs the built binary (the default) or any command; collects stdout+stderr. */
export function run(args: string[], opts: { cmd?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Proc {
  const cmd = opts.cmd ?? BINARY;
  if (cmd === BINARY && !fs.existsSync(BINARY)) throw new Error(`${BINARY} is missing: run 'npm run build' first`);
  const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const proc: Proc = { child, output: () => out, exited, kill: (sig = 'SIGTERM') => child.kill(sig) };
  liveProcs.add(proc);
  void exited.then(() => liveProcs.delete(proc));
  return proc;
}

export async function waitFor<T>(what: string, f: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}

export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

/**
 * How tests start tsmesos: the built single executable by default; with
 * TSMESOS_TEST_FROM_SOURCE=1, the TypeScript source on the pinned Node (for quick iteration).
 */
export function tsmesos(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Proc {
  if (process.env['TSMESOS_TEST_FROM_SOURCE'] === '1') {
    return run(['--import', 'tsx', path.join(REPO, 'src', 'main.ts'), ...args], { ...opts, cmd: process.execPath, cwd: opts.cwd ?? REPO });
  }
  return run(args, opts);
}

/** Whether a process with this pid exists (signal 0). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the master at `master` lists an active agent. */
export async function waitForActiveAgent(master: string, timeoutMs = 20_000): Promise<void> {
  await waitFor('an active agent', async () => {
    const s = (await getJson(`${master}/master/state`)).body as { slaves?: { active: boolean }[] };
    return s.slaves?.some((a) => a.active) === true ? true : undefined;
  }, timeoutMs);
}

/** Starts `up --role all` on free ports and waits until the agent is registered. */
export async function startAllInOne(dataDir: string, extra: string[] = []): Promise<{ proc: Proc; master: string; agent: string; masterPort: number; agentPort: number }> {
  const masterPort = await freePort();
  const agentPort = await freePort();
  const proc = tsmesos(['up', '--role', 'all', '--data-dir', dataDir, '--port', String(masterPort), '--agent-port', String(agentPort), ...extra]);
  const master = `http://127.0.0.1:${masterPort}`;
  await waitForActiveAgent(master, 30_000).catch((e: unknown) => {
    proc.kill('SIGKILL');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- tsmesos output ---\n${proc.output()}`);
  });
  return { proc, master, agent: `http://127.0.0.1:${agentPort}`, masterPort, agentPort };
}
