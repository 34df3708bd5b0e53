import { Command, CommanderError } from 'commander';
import { VERSION } from '../domain/version.js';

/** Parses argv and runs the chosen command; resolves to the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = new Command('tsmesos')
    .description('A data-center kernel in one binary')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.command('version').description('print the version').action(() => {
    process.stdout.write(`tsmesos ${VERSION}\n`);
  });
  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
}
