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

describe('tsmesos deployment', () => {
  it('ls shows a deployment that cannot finish; rollback undoes it; rollback --force only cancels it; refusals explained', async () => {
    // Two instances of 1.5 cpus on an agent of 2: the second never fits, so the deployment stays.
    const created = await cli(['app', 'create', '--id', '/cli/big', '--cmd', 'sleep 1000', '--cpus', '1.5', '--mem', '16', '--instances', '2']);
    expect(created.code, created.err).toBe(0);
    const first = /deployment ([0-9a-f-]{36})/.exec(created.out)![1]!;
    const ls = await cli(['deployment', 'ls']);
    expect(ls.out.split('\n')[0]).toMatch(/^ID\s+VERSION\s+STEP\s+APPS\s+ACTIONS$/);
    expect(ls.out).toMatch(new RegExp(`^${first}\\s+\\S+\\s+1/1\\s+/cli/big\\s+StartApplication$`, 'm'));
    expect((JSON.parse((await cli(['deployment', 'ls', '--json'])).out) as { id: string }[]).map((d) => d.id)).toContain(first);

    // Rolled back: the app did not exist before, so the rollback removes it.
    const rolled = await cli(['deployment', 'rollback', first]);
    expect(rolled.code, rolled.err).toBe(0);
    expect(rolled.out).toMatch(new RegExp(`^rolling back deployment ${first} \\(deployment [0-9a-f-]{36}\\)$`, 'm'));
    await waitFor('the app gone', async () => ((await cli(['app', 'show', '/cli/big'])).code === 1 ? true : undefined), 30_000, 200);

    // --force cancels and leaves the app as it is (two instances wanted, one running).
    const again = await cli(['app', 'create', '--id', '/cli/big2', '--cmd', 'sleep 1000', '--cpus', '1.5', '--mem', '16', '--instances', '2']);
    const second = /deployment ([0-9a-f-]{36})/.exec(again.out)![1]!;
    const cancelled = await cli(['deployment', 'rollback', second, '--force']);
    expect([cancelled.code, cancelled.out]).toEqual([0, `cancelled deployment ${second}\n`]);
    expect((JSON.parse((await cli(['deployment', 'ls', '--json'])).out) as { id: string }[]).map((d) => d.id)).not.toContain(second);
    expect((JSON.parse((await cli(['app', 'show', '/cli/big2', '--json'])).out) as { app: { instances: number } }).app.instances).toBe(2);

    const unknown = await cli(['deployment', 'rollback', '00000000-0000-0000-0000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/master answered 404/);
    const bad = await cli(['deployment', 'rollback', '../../v2/apps']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/is not a deployment id/);
    expect((await cli(['app', 'rm', '/cli/big2', '--force'])).code).toBe(0);
  });
});
