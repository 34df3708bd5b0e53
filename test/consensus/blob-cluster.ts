// Raft drivers in this process on real SQLite files, talking over the real HTTP transport on
// 127.0.0.1, replicating a BlobMachine: for snapshot transfer tests and bench/raft-snapshot.ts.
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { RaftDriver, type RaftDriverOptions } from '../../src/consensus/driver.js';
import { HttpTransport, type TransportFaults } from '../../src/consensus/transport.js';
import { raftApp } from '../../src/consensus/http-api.js';
import { HttpClient } from '../../src/lib/http-client.js';
import { openDatabase } from '../../src/lib/sqlite.js';
import { systemClock } from '../../src/lib/clock.js';
import { seededRng } from '../../src/lib/rng.js';
import { silentLogger, type Logger } from '../../src/lib/log.js';
import { listen, type RunningServer } from '../../src/lib/http-server.js';
import { BlobMachine } from './blob-machine.js';

export interface BlobNode {
  readonly id: string;
  readonly dir: string;
  readonly machine: BlobMachine;
  readonly driver: RaftDriver;
  readonly server: RunningServer;
  stop(): Promise<void>;
}

export type BlobDriverOptions = Partial<Omit<RaftDriverOptions, 'id' | 'stateMachine' | 'bootstrapVoters' | 'transport'>> & {
  faults?: TransportFaults;
  logger?: Logger;
};

/** Starts the member `id` of a cluster of `voters` with its data in `dir`. */
export async function startBlobNode(id: string, voters: readonly string[], dir: string, opts: BlobDriverOptions = {}): Promise<BlobNode> {
  const { faults, logger = silentLogger, ...driverOpts } = opts;
  fs.mkdirSync(dir, { recursive: true });
  const db = openDatabase(path.join(dir, 'blobs.db'));
  const machine = new BlobMachine(db);
  const seed = Number(id.split(':')[1]);
  const driver = new RaftDriver({
    id, stateMachine: machine, bootstrapVoters: voters, clock: systemClock, rng: seededRng(seed), logger,
    transport: new HttpTransport({ self: id, http: new HttpClient({ localAddress: '127.0.0.1' }), clock: systemClock, rng: seededRng(seed + 1), logger, ...(faults ? { faults } : {}) }),
    heartbeatIntervalMs: 50, electionTimeoutMs: 500, ...driverOpts,
  });
  const app = new Hono();
  app.route('/', raftApp(driver));
  let server: RunningServer;
  try {
    server = await listen(app, '127.0.0.1', seed);
  } catch (e) {
    driver.stop();
    db.close();
    throw e;
  }
  driver.start();
  let stopped = false;
  return {
    id, dir, machine, driver, server,
    async stop() {
      if (stopped) return;
      stopped = true;
      driver.stop();
      await server.close();
      db.close();
    },
  };
}

/**
 * Proposes on whoever leads, retrying (bounded: attempts x 50 ms plus the proposals' own time)
 * while there is no leader yet or a lossy network cost the leader its term.
 */
export async function proposeOnLeader(nodes: readonly BlobNode[], data: Uint8Array, attempts = 400): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const leader = nodes.find((n) => n.driver.leaderReady());
    try {
      if (!leader) throw new Error('no leader yet');
      return await leader.driver.propose(data);
    } catch (e) {
      if (attempt >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
