// The behaviour every containerizer must have. Each implementation's test file calls
// runContainerizerContract; the commands use only /bin/sh builtins, echo, sleep and tr so the
// same suite runs inside a minimal (busybox) image for the docker containerizer.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandSpec, Containerizer, LaunchSpec } from '../../src/containerizer/types.js';

export interface ContractOptions {
  /** Applied to every launch, e.g. a DOCKER container for docker. */
  specDefaults?: Partial<LaunchSpec>;
  /**
   * How shell:false runs (Mesos differs per containerizer): 'exec' = value is the binary and
   * arguments[0] its argv0 (command executor); 'docker' = value then every argument is the command.
   */
  argv?: 'exec' | 'docker';
  /**
   * How a missing binary shows: 'rejects' = launch() rejects naming it; 'exit-127' = the init in
   * the container reports it on stderr and exits 127 (the engine has already started the container).
   */
  missingBinary?: 'rejects' | 'exit-127';
  /** The containerizer enforces cpus/mem limits and accounts usage from cgroups (cgroups isolation, docker). */
  enforcesLimits?: boolean;
}

export const GRACE_MS = 200;

/** Defines the test only where it applies (a case that does not apply to a containerizer is not a skip). */
const onlyIf = (applies: boolean): ((name: string, fn: () => Promise<void>) => void) => (applies ? (name, fn) => it(name, fn) : () => undefined);

export function runContainerizerContract(
  name: string,
  factory: () => Containerizer | Promise<Containerizer>,
  options: ContractOptions = {},
): void {
  describe(`containerizer contract: ${name}`, () => {
    let containerizer: Containerizer;
    let sandboxes: string[];
    let nextId = 0;

    beforeEach(async () => {
      containerizer = await factory();
      sandboxes = [];
    });

    afterEach(async () => {
      await Promise.all(containerizer.containers().map((id) => containerizer.kill(id, 0)));
      await Promise.all(sandboxes.map((dir) => rm(dir, { recursive: true, force: true })));
    });

    async function makeSpec(command: Partial<CommandSpec> & { value: string }, env: Record<string, string> = {}, extra: Partial<LaunchSpec> = {}): Promise<LaunchSpec> {
      const sandboxDir = await mkdtemp(path.join(tmpdir(), 'tsmesos-contract-'));
      sandboxes.push(sandboxDir);
      return {
        containerId: `contract-${process.pid}-${nextId++}`,
        sandboxDir,
        command: { shell: true, arguments: [], environment: {}, ...command },
        env,
        ...options.specDefaults,
        ...extra,
      };
    }

    const shell = (value: string): Promise<LaunchSpec> => makeSpec({ value });
    const output = (spec: LaunchSpec, file: 'stdout' | 'stderr'): Promise<string> => readFile(path.join(spec.sandboxDir, file), 'utf8');

    it('writes stdout and stderr to files in the sandbox and reports exit code 0', async () => {
      const spec = await shell('echo hello; echo oops >&2');
      const launched = await containerizer.launch(spec);
      expect(launched.containerId).toBe(spec.containerId);
      const done = await launched.termination;
      expect(done).toMatchObject({ exitCode: 0, signal: null, killed: false });
      expect(await output(spec, 'stdout')).toBe('hello\n');
      expect(await output(spec, 'stderr')).toBe('oops\n');
    });

    it('reports a non-zero exit code', async () => {
      const done = await (await containerizer.launch(await shell('exit 3'))).termination;
      expect(done).toMatchObject({ exitCode: 3, signal: null, killed: false });
      expect(done.message).toContain('3');
    });

    it('reports tasks that exit immediately (exit can beat the launch bookkeeping)', async () => {
      for (let i = 0; i < 10; i++) {
        const done = await (await containerizer.launch(await shell('true'))).termination;
        expect(done.exitCode).toBe(0);
      }
    });

    it('runs the task with the sandbox as working directory', async () => {
      const spec = await shell('echo here > relative-file');
      await (await containerizer.launch(spec)).termination;
      expect(await readFile(path.join(spec.sandboxDir, 'relative-file'), 'utf8')).toBe('here\n');
    });

    it('appends to existing output files instead of truncating them', async () => {
      const spec = await shell('echo second');
      await writeFile(path.join(spec.sandboxDir, 'stdout'), 'first\n');
      await (await containerizer.launch(spec)).termination;
      expect(await output(spec, 'stdout')).toBe('first\nsecond\n');
    });

    onlyIf((options.argv ?? 'exec') === 'exec')('shell:false execs value with arguments verbatim, arguments[0] being argv0', async () => {
      const spec = await makeSpec({
        shell: false,
        value: '/bin/sh',
        // $0 of the script is "script-name"; the shell's own argv[0] comes from /proc.
        arguments: ['custom-argv0', '-c', 'tr "\\000" "\\n" < /proc/$$/cmdline | head -n 1; printf "[%s]\\n" "$@"', 'script-name', 'a b', '$HOME', '*'],
      });
      const done = await (await containerizer.launch(spec)).termination;
      expect(done.exitCode).toBe(0);
      expect(await output(spec, 'stdout')).toBe('custom-argv0\n[a b]\n[$HOME]\n[*]\n');
    });

    onlyIf(options.argv === 'docker')('shell:false runs value followed by every argument verbatim (Mesos docker semantics)', async () => {
      const spec = await makeSpec({
        shell: false,
        value: '/bin/sh',
        arguments: ['-c', 'printf "[%s]\\n" "$0" "$@"', 'script-name', 'a b', '$HOME', '*'],
      });
      const done = await (await containerizer.launch(spec)).termination;
      expect(done.exitCode).toBe(0);
      expect(await output(spec, 'stdout')).toBe('[script-name]\n[a b]\n[$HOME]\n[*]\n');
    });

    it('exposes agent-injected and task environment variables, the task winning on conflicts', async () => {
      const spec = await makeSpec(
        { value: 'echo "$AGENT_ONLY|$TASK_ONLY|$BOTH"', environment: { TASK_ONLY: 'task value', BOTH: 'from task' } },
        { AGENT_ONLY: '/mnt/sandbox', BOTH: 'from agent' },
      );
      await (await containerizer.launch(spec)).termination;
      expect(await output(spec, 'stdout')).toBe('/mnt/sandbox|task value|from task\n');
    });

    it('lists running containers and forgets them once terminated', async () => {
      const spec = await shell('sleep 30');
      const launched = await containerizer.launch(spec);
      expect(containerizer.containers()).toContain(spec.containerId);
      await containerizer.kill(spec.containerId, GRACE_MS);
      await launched.termination;
      expect(containerizer.containers()).not.toContain(spec.containerId);
    });

    it('kill terminates a SIGTERM-respecting task without waiting for the grace period', async () => {
      const launched = await containerizer.launch(await shell('sleep 30'));
      const started = Date.now();
      await containerizer.kill(launched.containerId, 10_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      const done = await launched.termination;
      expect(done.killed).toBe(true);
      expect(done.exitCode).not.toBe(0);
    });

    it('kill reaches the whole process group: background children die too', async () => {
      const spec = await shell('(while :; do echo tick >> heartbeat; sleep 0.05; done) & sleep 30');
      const launched = await containerizer.launch(spec);
      const heartbeat = path.join(spec.sandboxDir, 'heartbeat');
      await waitFor(async () => (await fileSize(heartbeat)) > 0);
      await containerizer.kill(launched.containerId, GRACE_MS);
      expect((await launched.termination).killed).toBe(true);
      await expectStopsGrowing(heartbeat);
    });

    it('cleans up background children when the task itself exits', async () => {
      const spec = await shell('(while :; do echo tick >> heartbeat; sleep 0.05; done) & sleep 0.3; exit 0');
      const done = await (await containerizer.launch(spec)).termination;
      expect(done).toMatchObject({ exitCode: 0, killed: false });
      await expectStopsGrowing(path.join(spec.sandboxDir, 'heartbeat'));
    });

    it('SIGKILLs a task that ignores SIGTERM once the grace period is over', async () => {
      const spec = await shell("trap '' TERM; echo ready; sleep 30");
      const launched = await containerizer.launch(spec);
      await waitFor(async () => (await output(spec, 'stdout').catch(() => '')) === 'ready\n');
      const started = Date.now();
      await containerizer.kill(launched.containerId, GRACE_MS);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(GRACE_MS - 20);
      expect(elapsed).toBeLessThan(5_000);
      const done = await launched.termination;
      expect(done.killed).toBe(true);
      expect(containerizer.containers()).not.toContain(launched.containerId);
    });

    it('kill of an unknown container resolves', async () => {
      await expect(containerizer.kill('no-such-container', GRACE_MS)).resolves.toBeUndefined();
    });

    it('concurrent and repeated kills of one container all resolve', async () => {
      const launched = await containerizer.launch(await shell('sleep 30'));
      await Promise.all([containerizer.kill(launched.containerId, GRACE_MS), containerizer.kill(launched.containerId, GRACE_MS)]);
      await containerizer.kill(launched.containerId, GRACE_MS);
      expect((await launched.termination).killed).toBe(true);
    });

    it('a missing binary fails with an error naming it', async () => {
      const spec = await makeSpec({ shell: false, value: '/nonexistent/tsmesos-no-such-binary', arguments: ['x'] });
      if ((options.missingBinary ?? 'rejects') === 'rejects') {
        await expect(containerizer.launch(spec)).rejects.toThrow(/tsmesos-no-such-binary/);
      } else {
        const done = await (await containerizer.launch(spec)).termination;
        expect(done.exitCode).toBe(127);
        expect(await output(spec, 'stderr')).toMatch(/tsmesos-no-such-binary/);
      }
      expect(containerizer.containers()).not.toContain(spec.containerId);
    });

    it('rejects a second launch with the id of a running container', async () => {
      const spec = await shell('sleep 30');
      await containerizer.launch(spec);
      await expect(containerizer.launch({ ...spec })).rejects.toThrow(/already running/);
    });

    it('usage() reports a running container and nothing for an unknown one', async () => {
      const launched = await containerizer.launch(await makeSpec({ value: 'sleep 30' }, {}, { resources: { cpus: 0.5, memMb: 64 } }));
      const usage = await containerizer.usage(launched.containerId);
      expect(usage?.memRssBytes).toBeGreaterThanOrEqual(0);
      expect(usage?.cpusTimeSecs).toBeGreaterThanOrEqual(0);
      if (options.enforcesLimits === true) expect(usage).toMatchObject({ cpusLimit: 0.5, memLimitBytes: 64 * 1024 * 1024 });
      expect(await containerizer.usage('no-such-container')).toBeUndefined();
      await containerizer.kill(launched.containerId, 0);
    });

    onlyIf(options.enforcesLimits === true)('a task over its memory limit is OOM-killed and reported as a memory limitation', async () => {
      // dd fills a 256 MB buffer at once: far over the 32 MB limit, which must be in force from the
      // first instruction (posix: the pre-exec gate; docker: limits set at create).
      const spec = await makeSpec({ value: 'echo start; exec dd if=/dev/zero of=/dev/null bs=256M count=1' }, {}, { resources: { cpus: 1, memMb: 32 } });
      const done = await (await containerizer.launch(spec)).termination;
      expect(done).toMatchObject({ killed: false, limitation: { resource: 'mem' } });
      expect(done.exitCode).not.toBe(0);
      expect(done.message).toMatch(/Memory limit exceeded/);
      expect(await output(spec, 'stdout')).toBe('start\n');
    });

    onlyIf(options.enforcesLimits === true)('a CPU-bound task is held to its CPU quota (measured from cgroup accounting)', async () => {
      const launched = await containerizer.launch(await makeSpec({ value: 'while :; do :; done' }, {}, { resources: { cpus: 0.25, memMb: 64 } }));
      await new Promise((r) => setTimeout(r, 500));
      const first = await containerizer.usage(launched.containerId);
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 2000));
      const second = await containerizer.usage(launched.containerId);
      const elapsedSecs = (Date.now() - t0) / 1000;
      const rate = ((second?.cpusTimeSecs ?? 0) - (first?.cpusTimeSecs ?? 0)) / elapsedSecs;
      // A busy loop would use a whole core (1.0); the quota holds it to 0.25 (scheduling noise allowed).
      expect(rate).toBeGreaterThan(0.1);
      expect(rate).toBeLessThan(0.35);
      expect(second?.cpusLimit).toBe(0.25);
      expect(second?.cpusNrThrottled ?? 0).toBeGreaterThan(0);
      await containerizer.kill(launched.containerId, 0);
    });

    it('runs many containers concurrently', async () => {
      const specs = await Promise.all(Array.from({ length: 20 }, (_, i) => shell(`echo task-${i}; exit ${i % 4}`)));
      const launched = await Promise.all(specs.map((s) => containerizer.launch(s)));
      const done = await Promise.all(launched.map((l) => l.termination));
      done.forEach((d, i) => expect(d.exitCode).toBe(i % 4));
      const outputs = await Promise.all(specs.map((s) => output(s, 'stdout')));
      outputs.forEach((o, i) => expect(o).toBe(`task-${i}\n`));
      expect(containerizer.containers()).toEqual([]);
    });
  });
}

async function fileSize(file: string): Promise<number> {
  return (await stat(file).catch(() => undefined))?.size ?? 0;
}

/** After termination a file written by a dead background loop must not change any more. */
async function expectStopsGrowing(file: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 50)); // let a write already in flight land
  const before = await fileSize(file);
  await new Promise((r) => setTimeout(r, 300));
  expect(await fileSize(file)).toBe(before);
}

export async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
