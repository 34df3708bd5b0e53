import fs from 'node:fs';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { startAll } from '../../src/roles/all.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort, stopAtEnd, tempDir, waitForActiveAgent } from './process.js';

/** A real master + agent on loopback inside the test process (real SQLite, real HTTP, real task processes). */
export async function inProcessCluster(extraFlags: Record<string, string> = {}): Promise<{ master: string; agent: string; dataDir: string; stop(): Promise<void> }> {
  const dataDir = tempDir();
  const port = String(await freePort());
  const agentPort = String(await freePort());
  // Frameworks here name users that do not exist on this machine: tasks run as the agent's user (as sim-cluster.ts).
  const config = resolveUpConfig({ role: 'all', dataDir, port, agentPort, resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]', marathonPort: '0', switchUser: 'false', ...extraFlags }, {});
  const master = `http://127.0.0.1:${port}`;
  let running: Awaited<ReturnType<typeof startAll>> | undefined;
  try {
    running = await startAll(config, silentLogger);
    await waitForActiveAgent(master);
  } catch (e) {
    await running?.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const started = running;
  return {
    // Registered with the per-file cleanup too, so a failing test never leaves the cluster running.
    master, agent: `http://127.0.0.1:${agentPort}`, dataDir,
    stop: stopAtEnd(async () => {
      try {
        await started.stop();
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }),
  };
}
