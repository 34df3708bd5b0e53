import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli-capture.js';
import { inProcessCluster } from '../helpers/in-process.js';
import { tempDir, waitFor } from '../helpers/process.js';

// `tsmesos app ...` in this process against a real master + agent: tables, --json, exit codes.

let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;
beforeAll(async () => {
  cluster = await inProcessCluster();
});
afterAll(() => cluster?.stop());

const cli = (args: string[]): ReturnType<typeof runCliCaptured> => runCliCaptured([...args, '--master', cluster!.master]);

describe('tsmesos app', () => {
  it('create, ls, scale, tasks, show, restart, rm', async () => {
    const created = await cli(['app', 'create', '--id', '/cli/sleeper', '--cmd', 'sleep 1000', '--cpus', '0.05', '--mem', '16']);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/^created \/cli\/sleeper \(deployment [0-9a-f-]{36}\)$/m);

    const ls = await cli(['app', 'ls']);
    expect(ls.out.split('\n')[0]).toMatch(/^ID\s+INSTANCES\s+RUNNING\s+CPUS\s+MEM\s+DEPLOYING\s+CMD$/);
    expect(ls.out).toMatch(/^\/cli\/sleeper\s+1\s+\d\s+0\.05\s+16\s+(yes|no)\s+sleep 1000$/m);

    const scaled = await cli(['app', 'scale', '/cli/sleeper', '2', '--force', '--json']);
    expect(scaled.code, scaled.err).toBe(0);
    expect(Object.keys(JSON.parse(scaled.out) as object).sort()).toEqual(['deploymentId', 'version']);
    const tasks = await waitFor('2 running tasks', async () => {
      const t = JSON.parse((await cli(['app', 'tasks', 'cli/sleeper', '--json'])).out) as { tasks: { id: string; state: string }[] };
      return t.tasks.length === 2 && t.tasks.every((x) => x.state === 'TASK_RUNNING') ? t.tasks : undefined;
    }, 30_000, 200);
    const show = await cli(['app', 'show', '/cli/sleeper']);
    expect(show.out).toMatch(/^\/cli\/sleeper: 2\/2 running, cpus 0\.05, mem 16, version \S+$/m);
    for (const t of tasks) expect(show.out).toContain(t.id);
    const human = await cli(['app', 'tasks', '/cli/sleeper']);
    expect(human.out.split('\n')[0]).toMatch(/^TASK\s+STATE\s+HOST\s+PORTS\s+STARTED$/);

    expect((await cli(['app', 'restart', '/cli/sleeper', '--force'])).out).toMatch(/^restarting \/cli\/sleeper \(deployment /);
    await waitFor('the restart to replace both tasks', async () => {
      const t = JSON.parse((await cli(['app', 'tasks', 'cli/sleeper', '--json'])).out) as { tasks: { id: string; state: string }[] };
      return t.tasks.length === 2 && t.tasks.every((x) => x.state === 'TASK_RUNNING' && !tasks.some((o) => o.id === x.id)) ? true : undefined;
    }, 30_000, 200);

    const rm = await cli(['app', 'rm', '/cli/sleeper', '--force']);
    expect(rm.code).toBe(0);
    expect((await cli(['app', 'show', '/cli/sleeper'])).code).toBe(1);
  });

  it('create -f FILE, and refusals explained', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.json');
    fs.writeFileSync(file, JSON.stringify({ id: '/cli/file', cmd: 'sleep 1000', cpus: 0.05, mem: 16, instances: 0 }));
    expect((await cli(['app', 'create', '-f', file])).out).toMatch(/^created \/cli\/file/);
    fs.writeFileSync(file, JSON.stringify({ id: '/cli/bad', cmd: 'x', instances: -2, constraints: [['hostname', 'SOMETIMES']] }));
    const bad = await cli(['app', 'create', '-f', file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/master answered 422: Object is not valid: .*\/instances.*\/constraints\(0\)\(1\)/);
    const missing = await cli(['app', 'create', '-f', path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read .*nope\.json/);
    expect((await cli(['app', 'create', '--cmd', 'x'])).err).toMatch(/give -f FILE or at least --id/);
    expect((await cli(['app', 'scale', '/cli/file', '-1'])).code).not.toBe(0);
    expect((await cli(['app', 'scale', '/cli/file', 'many'])).err).toMatch(/N must be a whole number/);
    const notFound = await cli(['app', 'rm', '/cli/none']);
    expect(notFound.err).toMatch(/master answered 404: App '\/cli\/none' does not exist/);
  });
});
