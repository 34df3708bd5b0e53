import type { UpConfig } from '../cli/up-config.js';
import { masterApp } from '../api/master-app.js';
import { systemClock } from '../lib/clock.js';
import { systemRng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import { listen } from '../lib/http-server.js';
import { Registry } from '../registry/registry.js';
import { SingleVoterLog } from '../registry/command-log.js';
import { Master } from '../master/master.js';
import { SoleLeadership } from '../master/leadership.js';
import path from 'node:path';

export interface RunningRole {
  /** Graceful stop: no new work, streams closed, registry flushed. */
  stop(): Promise<void>;
}

/** Composition root of a master: registry + log + master services + HTTP. Wiring only. */
export async function startMaster(config: UpConfig, logger: Logger): Promise<RunningRole> {
  const registry = Registry.open(path.join(config.dataDir, 'master'));
  const master = new Master({
    ip: config.ip, port: config.masterPort, hostname: config.hostname, registry, log: new SingleVoterLog(registry),
    clock: systemClock, rng: systemRng, logger: logger.child('master'),
  });
  master.start();
  const leadership = new SoleLeadership(master, { hostname: config.hostname, ip: config.ip, port: config.masterPort, id: master.ctx.info.id }, systemClock.now());
  const app = masterApp(leadership, { ip: config.ip, port: config.masterPort, hostname: config.hostname, flags: config.flagStrings }, logger.child('http'));
  let server;
  try {
    server = await listen(app, config.ip, config.masterPort);
  } catch (e) {
    master.stop();
    registry.close();
    throw e;
  }
  logger.info('master listening', { address: `http://${config.ip}:${config.masterPort}`, id: master.ctx.info.id });
  return {
    async stop() {
      master.stop();
      await server.close();
      registry.close();
    },
  };
}
