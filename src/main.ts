import { runCli } from './cli/program.js';

// Builds the CLI and runs it; nothing else.
process.exitCode = await runCli(process.argv);
