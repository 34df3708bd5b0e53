import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, startAllInOne, tempDir, tsmesos, waitFor } from '../helpers/process.js';

// --marathon-port: Marathon's users reach its API on a port of its own (8080 by default); the
// same API stays under /v2 on the master port. The built executable (or the source with
// TSMESOS_TEST_FROM_SOURCE=1), real HTTP on loopback.

describe('--marathon-port', () => {
  it('serves /ping and /v2 on its own port, apps created there show on the master port too', async () => {
    const port = await freePort();
    const { proc, master } = await startAllInOne(tempDir(), ['--marathon-port', String(port)]);
    const marathon = `http://127.0.0.1:${port}`;
    const ping = await fetch(`${marathon}/ping`);
    expect([ping.status, (await ping.text()).trim()]).toEqual([200, 'pong']);
    expect(((await (await fetch(`${marathon}/v2/info`)).json()) as { name?: string }).name).toBeDefined();
    const created = await fetch(`${marathon}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: '/via-8080', cmd: 'sleep 60', cpus: 0.1, mem: 16, instances: 0 }) });
    expect(created.status).toBe(201);
    expect((await fetch(`${master}/v2/apps/via-8080`)).status).toBe(200);
    // Only the Marathon API is there: the Mesos endpoints stay on the master port.
    expect((await fetch(`${marathon}/master/state`)).status).toBe(404);
    expect(proc.output()).toMatch(/Marathon API listening/);
  });

  it('a port asked for that is taken fails the start with one line naming it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const taken = (blocker.address() as net.AddressInfo).port;
      const proc = tsmesos(['up', '--role', 'master', '--data-dir', tempDir(), '--port', String(await freePort()), '--marathon-port', String(taken)]);
      const { code } = await proc.exited;
      expect(code).not.toBe(0);
      expect(proc.output()).toMatch(new RegExp(`cannot serve the Marathon API on 127\\.0\\.0\\.1:${taken}`));
    } finally {
      blocker.close();
    }
  });

  it('the default port 8080, when taken, is a warning: the master starts, the API stays under /v2 on its port', async () => {
    // Take 8080 (unless something on this machine holds it already: taken either way).
    const blocker = net.createServer();
    const held = await new Promise<boolean>((r) => {
      blocker.once('error', () => r(false));
      blocker.listen(8080, '127.0.0.1', () => r(true));
    });
    try {
      const env = { ...process.env };
      delete env['TSMESOS_MARATHON_PORT'];
      const port = await freePort();
      const proc = tsmesos(['up', '--role', 'master', '--data-dir', tempDir(), '--port', String(port)], { env });
      await waitFor('the master to serve', async () => ((await fetch(`http://127.0.0.1:${port}/ping`).catch(() => null))?.status === 200 ? true : undefined), 30_000);
      expect(proc.output()).toMatch(/the Marathon API is not on its own port/);
      proc.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    } finally {
      if (held) blocker.close();
    }
  });
});
