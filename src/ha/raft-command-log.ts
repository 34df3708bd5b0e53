// The registry's CommandLog on top of the Raft driver.
import type { CommandLog } from '../registry/command-log.js';
import { encodeCommandBytes, type RegistryCommand } from '../registry/commands.js';
import type { RaftDriver } from '../consensus/driver.js';

export class RaftLog implements CommandLog {
  constructor(private readonly driver: RaftDriver) {}

  /**
   * Resolves with the entry's index once it is committed by a quorum and applied to the
   * local registry. Rejects with NOT_LEADER on a follower, and when leadership is lost
   * before the entry applied (its outcome is then unknown: it may still commit).
   */
  propose(cmd: RegistryCommand): Promise<number> {
    return this.driver.propose(encodeCommandBytes(cmd));
  }

  /** Linearizable read barrier (see RaftDriver.readBarrier). */
  readBarrier(): Promise<void> {
    return this.driver.readBarrier();
  }
}
