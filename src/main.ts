import { runCli } from './cli/program.js';

// Builds the CLI and runs it; nothing else. A long-running `up` keeps the loop alive itself.
process.exitCode = await runCli(process.argv);
