import type { Command } from 'commander';
import fs from 'node:fs';
import { createLogger, logFileIn } from '../lib/log.js';
import { FlagError } from './flags.js';
import { takeNotifySocket } from '../lib/sd-notify.js';
import { FLAGS } from './flags.js';
import { resolveUpConfig, type UpConfig } from './up-config.js';
import type { RunningRole } from '../roles/master.js';

const SHUTDOWN_BUDGET_MS = 5000;

/** Adds the `up` flags (all but `except`) to a command: `up` itself and `join`. */
export function addUpFlags(cmd: Command, except: readonly string[] = []): void {
  for (const spec of Object.values(FLAGS)) {
    if (!except.includes(spec.name)) cmd.option(`--${spec.name} <${spec.placeholder}>`, spec.help);
  }
  cmd.option('--config <FILE>', 'JSON file of flag values, e.g. {"role":"all","data-dir":"/srv/tsmesos"}');
}

export function registerUp(program: Command, setExit: (code: number) => void): void {
  const up = program.command('up').description('run a master, an agent, or both (--role all)');
  addUpFlags(up);
  up.option('--token-file <FILE>', 'join the cluster of the join token in FILE first (or TSMESOS_TOKEN_FILE), as `tsmesos join --token-file` does: how a packaged agent joins');
  up.action(async (opts: Record<string, unknown>) => {
    const { tokenFile, ...upOpts } = opts as { tokenFile?: string } & Record<string, unknown>;
    const file = tokenFile ?? process.env['TSMESOS_TOKEN_FILE'];
    if (file === undefined || file === '') return runRole(resolveUpConfig(upOpts), setExit);
    // Loaded here: join.ts builds on this module.
    const { joinAndRun, tokenText } = await import('./join.js');
    const role = (upOpts['role'] as string | undefined) ?? process.env['TSMESOS_ROLE'];
    return joinAndRun(tokenText(undefined, file), { ...upOpts, ...(role !== undefined ? { role } : {}) }, setExit);
  });
}

/** stderr, and with --log-dir also DIR/tsmesos.log (appended; a failure to open it stops the start). */
function logWriter(logDir: string | null): (line: string) => void {
  if (logDir === null) return (l) => process.stderr.write(l);
  const file = logFileIn(logDir);
  let fd: number;
  try {
    fs.mkdirSync(logDir, { recursive: true, mode: 0o750 });
    fd = fs.openSync(file, 'a', 0o640);
  } catch (e) {
    throw new FlagError(`invalid --log-dir '${logDir.slice(0, 200)}': cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return (l) => {
    process.stderr.write(l);
    // Synchronous: the last lines before a crash or exit are in the file too.
    try {
      fs.writeSync(fd, l);
    } catch {
      // A full disk must not stop the node; stderr still has the line.
    }
  };
}

/** Starts the configured role and runs it until SIGTERM/SIGINT. */
export async function runRole(config: UpConfig, setExit: (code: number) => void): Promise<void> {
  // Before anything starts children: they must not inherit $NOTIFY_SOCKET.
  const notify = takeNotifySocket();
  const logger = createLogger(config.logLevel, 'tsmesos', logWriter(config.logDir));
  process.title = `tsmesos-${config.role}`;
  // Loaded on demand: `tsmesos version` and `--help` never pay for the server stack.
  const start = config.role === 'master'
    ? (await import('../roles/master.js')).startMaster
    : config.role === 'agent' ? (await import('../roles/agent.js')).startAgent : (await import('../roles/all.js')).startAll;
  let running: RunningRole;
  try {
    running = await start(config, logger);
  } catch (e) {
    logger.error(e instanceof Error ? e.message : String(e));
    setExit(1);
    return;
  }
  logger.info('tsmesos is up', { role: config.role, dataDir: config.dataDir });
  // Type=notify units: the node listens and serves now.
  const ready = await notify('READY=1');
  if (ready.error !== undefined) logger.warn('could not notify systemd of readiness', { error: ready.error });
  else if (ready.sent) logger.info('notified systemd: READY=1');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info('shutting down', { signal: sig });
      const hard = setTimeout(() => {
        logger.error('shutdown took too long; exiting');
        process.exit(1);
      }, SHUTDOWN_BUDGET_MS);
      // SIGTERM (systemd's stop, Mesos's agent semantics): the tasks of checkpointing frameworks
      // keep running and the next start recovers them. SIGINT (Ctrl-C): everything stops.
      const keepTasks = sig === 'SIGTERM' && config.role !== 'master';
      running.stop({ keepTasks }).then(
        () => {
          clearTimeout(hard);
          logger.info('stopped', { signal: sig });
          // Kept containers' supervisors and Docker waits hold handles that would keep the process alive.
          if (keepTasks) process.exit(0);
          resolve();
        },
        (e: unknown) => {
          logger.error('shutdown failed', { error: e instanceof Error ? e.message : String(e) });
          clearTimeout(hard);
          setExit(1);
          resolve();
        },
      );
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
}
