// The registry's CommandLog on top of the Raft driver.
import type { CommandLog } from '../registry/command-log.js';
import { decodeCommand, encodeCommand, type RegistryCommand } from '../registry/commands.js';
import type { Entry } from './core/types.js';
import type { RaftDriver } from './driver.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The registry command a committed entry stands for. Noop and confChange entries change
 * no table but still advance the applied index (the core derives membership from the log).
 */
export function entryCommand(e: Entry): RegistryCommand {
  return e.type === 'normal' ? decodeCommand(decoder.decode(e.data)) : { type: 'NOOP' };
}

export class RaftLog implements CommandLog {
  constructor(private readonly driver: RaftDriver) {}

  /**
   * Resolves with the entry's index once it is committed by a quorum and applied to the
   * local registry. Rejects with NOT_LEADER on a follower, and when leadership is lost
   * before the entry applied (its outcome is then unknown: it may still commit).
   */
  propose(cmd: RegistryCommand): Promise<number> {
    return this.driver.propose(encoder.encode(encodeCommand(cmd)));
  }

  /** Linearizable read barrier (see RaftDriver.readBarrier). */
  readBarrier(): Promise<void> {
    return this.driver.readBarrier();
  }
}
