import type { RegistryCommand } from './commands.js';

/** Where the master sends registry changes (the Raft log). Resolves once the command is committed and applied here. */
export interface CommandLog {
  propose(cmd: RegistryCommand): Promise<number>;
}
