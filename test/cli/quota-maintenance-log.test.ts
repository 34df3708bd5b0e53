import { describe, expect, it } from 'vitest';
import { runCliCaptured as cli } from '../helpers/cli-capture.js';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type V1Scheduler } from '../helpers/v1-client.js';

// `tsmesos task log`, `quota ls|set|rm` and `maintenance schedule|status|down|up` run in this
// process against a real master and agent over loopback HTTP; and the legacy /master/quota
// endpoint they use, with hostile input.

async function launch(s: V1Scheduler, id: string, cmd: string): Promise<string> {
  const offer = offersOf(await s.next(isOffers))[0]!;
  const agentId = offer.agent_id.value;
  const task = { name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: cmd }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }] };
  await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
  return agentId;
}

/** Acknowledges the task's updates until it reaches `state` (acknowledged too). */
async function ackUntil(s: V1Scheduler, id: string, state: string): Promise<void> {
  for (;;) {
    const u = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === id, 20_000));
    if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
    if (u.state === state) return;
  }
}

describe('tsmesos task log', () => {
  it('prints stdout, --stderr and --lines from the sandbox; --follow prints as the file grows and ends with the task', async () => {
    const c = await simCluster();
    const m = ['--master', c.master];
    const s = await c.scheduler({ name: 'logfw' });
    await launch(s, 'talker', 'printf "one\\ntwo\\nthree\\n"; echo oops >&2; for i in 4 5 6; do sleep 0.3; echo $i; done');
    await ackUntil(s, 'talker', 'TASK_RUNNING');
    const follow = cli(['task', 'log', 'talker', '--follow', ...m]);
    await ackUntil(s, 'talker', 'TASK_FINISHED');
    expect(await follow).toEqual({ code: 0, out: 'one\ntwo\nthree\n4\n5\n6\n', err: '' });
    expect(await cli(['task', 'log', 'talker', ...m])).toEqual({ code: 0, out: 'one\ntwo\nthree\n4\n5\n6\n', err: '' });
    expect((await cli(['task', 'log', 'talker', '--stderr', ...m])).out).toBe('oops\n');
    expect((await cli(['task', 'log', 'talker', '--lines', '2', ...m])).out).toBe('5\n6\n');
    expect((await cli(['task', 'log', 'talker', '--lines', '100', ...m])).out).toBe('one\ntwo\nthree\n4\n5\n6\n');
    expect((await cli(['task', 'log', 'talker', '--lines', '0', ...m])).out).toBe('');

    expect(await cli(['task', 'log', 'nobody', ...m])).toEqual({ code: 1, out: '', err: "tsmesos task log: no task 'nobody'\n" });
    expect((await cli(['task', 'log', 'talker', '--lines', '-3', ...m])).code).toBe(1);
    expect((await cli(['task', 'log', 'talker', '--framework', 'other', ...m])).err).toBe("tsmesos task log: no task 'talker' in framework other\n");
    const down = await cli(['task', 'log', 'talker', '--master', 'http://127.0.0.1:1']);
    expect([down.code, down.err]).toEqual([1, expect.stringMatching(/^tsmesos task log: cannot reach the master at 127\.0\.0\.1:1/) as unknown as string]);
  }, 60_000);
});

describe('tsmesos quota and /master/quota', () => {
  it('set with guarantee and limit, ls as a table and JSON, rm; bad input is exit 1 with a reason', async () => {
    const c = await simCluster({ agent: false });
    const m = ['--master', c.master];
    expect(await cli(['quota', 'set', 'eng', 'cpus:2;mem:1024', '--limit', 'cpus:4;mem:4096', ...m])).toEqual({ code: 0, out: 'quota of role eng set\n', err: '' });
    expect(await cli(['quota', 'set', 'eng/web', '', '--limit', 'cpus:1', ...m])).toEqual({ code: 0, out: 'quota of role eng/web set\n', err: '' });
    const ls = await cli(['quota', 'ls', ...m]);
    expect(ls.out).toMatch(/^ROLE\s+CPUS \(GUARANTEE\/LIMIT\)/);
    expect(ls.out).toMatch(/^eng\s+2\/4\s+1024\/4096\s+-\/-\s+-\/-$/m);
    expect(ls.out).toMatch(/^eng\/web\s+-\/1\s+-\/-/m);
    const json = JSON.parse((await cli(['quota', 'ls', '--json', ...m])).out) as { configs: { role: string; guarantees?: Record<string, { value: number }> }[] };
    expect(json.configs.map((q) => [q.role, q.guarantees?.['cpus']?.value])).toEqual([['eng', 2], ['eng/web', undefined]]);
    expect(await cli(['quota', 'rm', 'eng/web', ...m])).toEqual({ code: 0, out: 'quota of role eng/web removed\n', err: '' });
    expect((await cli(['quota', 'rm', 'eng/web', ...m])).err).toBe("tsmesos quota rm: master answered 400: Failed to remove quota for path '/master/quota/eng/web': Role 'eng/web' has no quota set\n");

    for (const [args, why] of [
      [['quota', 'set', 'eng', 'cpus:x'], /invalid guarantee 'cpus:x'/],
      [['quota', 'set', 'eng', 'ports:[1-2]'], /only unreserved scalar amounts/],
      [['quota', 'set', 'eng', 'cpus(web):1'], /only unreserved scalar amounts/],
      [['quota', 'set', '*', 'cpus:1'], /named roles, not '\*'/],
      [['quota', 'set', '../x', 'cpus:1'], /invalid role/],
      [['quota', 'set', 'eng', ''], /give a guarantee, a --limit, or both/],
      [['quota', 'set', 'eng', 'cpus:8', '--limit', 'cpus:1'], /master answered 400: .*guarantee must not exceed the limit/],
    ] as const) {
      const r = await cli([...args, ...m]);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.err).toMatch(why);
    }
  });

  it('/master/quota: POST a QuotaRequest (refused when the role has quota), GET the status, DELETE /master/quota/<role>; hostile input is 4xx', async () => {
    const c = await simCluster({ agent: false });
    const post = (body: unknown): Promise<Response> => c.fetch('/master/quota', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const request = { role: 'ops', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] };
    expect((await post(request)).status).toBe(200);
    const again = await post(request);
    expect([again.status, ((await again.json()) as { message: string }).message]).toEqual([400, "Failed to validate set quota request: Cannot set quota for role 'ops' which already has quota"]);
    const status = (await (await c.fetch('/quota')).json()) as { infos: { role: string }[]; configs: { role: string; guarantees: Record<string, { value: number }>; limits: Record<string, { value: number }> }[] };
    expect(status.infos.map((i) => i.role)).toEqual(['ops']);
    expect(status.configs).toEqual([{ role: 'ops', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 1 } } }]);
    for (const [body, code] of [
      ['{not json', 400], [[], 400], [{ guarantee: request.guarantee }, 400], [{ role: 'ops2', guarantee: [] }, 400],
      [{ role: '*', guarantee: request.guarantee }, 400], [{ role: '..', guarantee: request.guarantee }, 400],
      [{ role: 'ops2', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] }, 400],
      [{ role: 'ops2', guarantee: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } }] }, 400],
      [{ role: 'x'.repeat(300), guarantee: request.guarantee }, 400],
      [JSON.stringify({ role: 'big', guarantee: request.guarantee, pad: 'a'.repeat(2 * 1024 * 1024) }), 413],
    ] as const) {
      const r = await post(body);
      const text = await r.text();
      expect([JSON.stringify(body).slice(0, 60), r.status]).toEqual([JSON.stringify(body).slice(0, 60), code]);
      expect((JSON.parse(text) as { code?: string }).code).toBeTruthy();
    }
    expect((await c.fetch('/master/quota', { method: 'PUT' })).status).toBe(405);
    expect((await c.fetch('/master/quota/ops', { method: 'GET' })).status).toBe(405);
    expect((await c.fetch('/master/quota/nobody', { method: 'DELETE' })).status).toBe(400);
    expect((await c.fetch('/master/quota/ops', { method: 'DELETE' })).status).toBe(200);
    expect(((await (await c.fetch('/master/quota')).json()) as { infos: unknown[] }).infos).toEqual([]);
  });
});

describe('tsmesos maintenance', () => {
  async function agentMachine(c: SimCluster): Promise<string> {
    const slaves = ((await (await c.fetch('/master/slaves')).json()) as { slaves: { hostname: string }[] }).slaves;
    return `${slaves[0]!.hostname}=127.0.0.1`;
  }

  it('schedule --file, status, down and up; bad machines and files are exit 1', async () => {
    const c = await simCluster();
    const m = ['--master', c.master];
    const machine = await agentMachine(c);
    const [hostname, ip] = machine.split('=') as [string, string];
    const { writeFileSync } = await import('node:fs');
    const { tempDir } = await import('../helpers/process.js');
    const file = `${tempDir('tsmesos-maint-')}/schedule.json`;
    const startNs = (c.clock.now() + 3_600_000) * 1e6;
    writeFileSync(file, JSON.stringify({ windows: [{ machine_ids: [{ hostname, ip }], unavailability: { start: { nanoseconds: startNs }, duration: { nanoseconds: 3_600_000 * 1e6 } } }] }));
    expect(await cli(['maintenance', 'schedule', '--file', file, ...m])).toEqual({ code: 0, out: 'maintenance schedule updated\n', err: '' });
    const shown = JSON.parse((await cli(['maintenance', 'schedule', ...m])).out) as { windows: { machine_ids: { hostname: string }[] }[] };
    expect(shown.windows[0]!.machine_ids[0]!.hostname).toBe(hostname);
    expect((await cli(['maintenance', 'status', ...m])).out).toMatch(new RegExp(`^${machine.replace(/\./g, '\\.')}\\s+draining$`, 'm'));

    expect(await cli(['maintenance', 'down', machine, ...m])).toEqual({ code: 0, out: `${machine} down\n`, err: '' });
    expect((await cli(['maintenance', 'status', ...m])).out).toMatch(new RegExp(`^${machine.replace(/\./g, '\\.')}\\s+down$`, 'm'));
    await c.untilSettled('the agent to be removed', async () => (((await (await c.fetch('/master/slaves')).json()) as { slaves: unknown[] }).slaves.length === 0 ? true : undefined));
    expect(await cli(['maintenance', 'up', machine, ...m])).toEqual({ code: 0, out: `${machine} up\n`, err: '' });
    expect(JSON.parse((await cli(['maintenance', 'status', '--json', ...m])).out)).toEqual({});

    expect((await cli(['maintenance', 'down', 'bad host!', ...m])).err).toBe("tsmesos maintenance down: invalid machine 'bad host!': expected HOSTNAME or HOSTNAME=IP\n");
    expect((await cli(['maintenance', 'up', machine, ...m])).code).toBe(1);
    expect((await cli(['maintenance', 'schedule', '--file', `${file}.missing`, ...m])).err).toMatch(/^tsmesos maintenance schedule: cannot read /);
    writeFileSync(file, '{"windows": [');
    expect((await cli(['maintenance', 'schedule', '--file', file, ...m])).err).toMatch(/is not JSON/);
    writeFileSync(file, '{"windows": [{"machine_ids": [{}]}]}');
    expect((await cli(['maintenance', 'schedule', '--file', file, ...m])).err).toMatch(/^tsmesos maintenance schedule: master answered 400: /);
  });
});
