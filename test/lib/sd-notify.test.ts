import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sdNotify, takeNotifySocket } from '../../src/lib/sd-notify.js';
import { freePort, getJson, run, tempDir, tsmesos, waitFor, waitForActiveAgent, type Proc } from '../helpers/process.js';

// sd_notify for Type=notify units, against a fake NOTIFY_SOCKET: a unix datagram socket bound by
// a small python3 receiver (Node cannot bind one) that prints every datagram as a JSON line.
// python3 and systemd-notify (systemd) are installed by scripts/test-all.sh.

const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("bound"), flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

async function fakeNotifySocket(): Promise<{ socket: string; proc: Proc; messages(): string[] }> {
  const socket = path.join(tempDir(), 'notify.sock');
  const proc = run(['-c', RECEIVER, socket], { cmd: 'python3' });
  const messages = (): string[] => proc.output().split('\n').filter((l) => l.startsWith('"')).map((l) => JSON.parse(l) as string);
  await waitFor(`the fake notify socket (python3 output: ${proc.output()})`, () => (messages().includes('bound') ? true : undefined), 10_000);
  return { socket, proc, messages: () => messages().filter((m) => m !== 'bound') };
}

describe('sd_notify', () => {
  it('does nothing without NOTIFY_SOCKET', async () => {
    expect(await sdNotify(undefined, 'READY=1')).toEqual({ sent: false });
    const env: NodeJS.ProcessEnv = {};
    expect(await takeNotifySocket(env)()).toEqual({ sent: false });
  });

  it('takes NOTIFY_SOCKET out of the environment children inherit', () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/x', OTHER: '1' };
    takeNotifySocket(env);
    expect(env).toEqual({ OTHER: '1' });
  });

  it('sends READY=1 with our MAINPID through systemd-notify', async () => {
    const fake = await fakeNotifySocket();
    expect(await sdNotify(fake.socket, 'READY=1')).toEqual({ sent: true });
    await waitFor('READY=1', () => (fake.messages().length > 0 ? true : undefined), 5000);
    expect(fake.messages()[0]).toBe(`READY=1\nMAINPID=${process.pid}`);
    fake.proc.kill('SIGKILL');
  });

  it('reports a socket nobody listens on as an error, without throwing', async () => {
    const r = await sdNotify(path.join(tempDir(), 'nobody.sock'), 'READY=1');
    expect(r.sent).toBe(false);
    expect(r.error).toMatch(/systemd-notify/);
  });

  it('`tsmesos up` notifies READY=1 once the node serves', async () => {
    const fake = await fakeNotifySocket();
    const [masterPort, agentPort] = [await freePort(), await freePort()];
    const p = tsmesos(['up', '--role', 'all', '--data-dir', tempDir(), '--port', String(masterPort), '--agent-port', String(agentPort)], {
      env: { ...process.env, NOTIFY_SOCKET: fake.socket },
    });
    await waitFor(`READY=1 from tsmesos (output: ${p.output()})`, () => (fake.messages().some((m) => m.startsWith('READY=1')) ? true : undefined), 30_000);
    // Ready means serving: both ports answer at once, and the agent is registered.
    expect((await getJson(`http://127.0.0.1:${masterPort}/health`)).status).toBe(200);
    expect((await getJson(`http://127.0.0.1:${agentPort}/health`)).status).toBe(200);
    await waitForActiveAgent(`http://127.0.0.1:${masterPort}`, 5000);
    const ready = fake.messages().find((m) => m.startsWith('READY=1'))!;
    expect(ready).toBe(`READY=1\nMAINPID=${p.child.pid}`);
    expect(p.output()).toContain('notified systemd: READY=1');
    p.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    fake.proc.kill('SIGKILL');
  });
});
