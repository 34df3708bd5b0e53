// Checkpoints belong to one boot of the host (Mesos checkpoints the boot id too): after a reboot
// no task of theirs runs any more, so the agent starts clean and the master, seeing the agent
// come back without them, reports them gone (TASK_GONE, TASK_LOST for frameworks that are not
// partition-aware).
import fs from 'node:fs';
import { bootIdFile, metaDir, posixContainersDir, taskCheckpointsDir, updateJournalDir } from './paths.js';

export type BootCheck = 'same-boot' | 'rebooted' | 'first-start';

/** Compares `bootId` with the checkpointed one; after a reboot removes every checkpoint. Records `bootId`. */
export function checkBoot(workDir: string, bootId: string): BootCheck {
  let previous: string | undefined;
  try {
    previous = fs.readFileSync(bootIdFile(workDir), 'utf8').trim();
  } catch {
    previous = undefined;
  }
  // No boot id yet (a new work dir, or one from before boot ids were kept): what is there is this boot's.
  const result: BootCheck = previous === undefined ? 'first-start' : previous === bootId ? 'same-boot' : 'rebooted';
  if (result === 'rebooted') {
    for (const dir of [taskCheckpointsDir(workDir), updateJournalDir(workDir), posixContainersDir(workDir)]) fs.rmSync(dir, { recursive: true, force: true });
  }
  if (result !== 'same-boot') {
    fs.mkdirSync(metaDir(workDir), { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${bootIdFile(workDir)}.tmp`, `${bootId}\n`);
    fs.renameSync(`${bootIdFile(workDir)}.tmp`, bootIdFile(workDir));
  }
  return result;
}
