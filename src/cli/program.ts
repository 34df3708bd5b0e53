import { Command, CommanderError } from 'commander';
import { VERSION } from '../domain/version.js';
import { TsmesosError } from '../domain/errors.js';
import { registerSelfcheck } from './selfcheck.js';
import { registerUp } from './up.js';
import { registerStatus } from './status.js';
import { registerMasters } from './masters.js';
import { registerTask } from './tasks.js';
import { registerAgent } from './agents.js';
import { registerFramework } from './frameworks.js';
import { registerReservations } from './reservations.js';
import { registerApp } from './apps.js';
import { FlagError } from './flags.js';
import { registerAdmin } from './admin.js';
import { registerJoin } from './join.js';
import { registerQuota } from './quota.js';
import { registerMaintenance } from './maintenance.js';

const VERSION_LINE = `tsmesos ${VERSION}`;

/** Parses argv and runs the chosen command; resolves to the process exit code (2 for bad usage). */
export async function runCli(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('tsmesos')
    .description('A data-center kernel in one binary: Mesos-style master and agent, embedded consensus')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    // `tsmesos --version` / `-V`: the same line as `tsmesos version`.
    .version(VERSION_LINE, '-V, --version', 'print the version');
  program.command('version').description('print the version').action(() => {
    process.stdout.write(`${VERSION_LINE}\n`);
  });
  registerUp(program, setExit);
  registerJoin(program, setExit);
  registerAdmin(program, setExit);
  registerStatus(program, setExit);
  registerMasters(program, setExit);
  registerTask(program, setExit);
  registerAgent(program, setExit);
  registerFramework(program, setExit);
  registerReservations(program, setExit);
  registerApp(program, setExit);
  registerQuota(program, setExit);
  registerMaintenance(program, setExit);
  registerSelfcheck(program);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof FlagError || (e instanceof TsmesosError && e.code === 'BAD_REQUEST')) {
      process.stderr.write(`tsmesos: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
