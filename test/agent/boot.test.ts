// Checkpoints belong to one boot: after a reboot (another boot id) the agent forgets them all.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBoot } from '../../src/agent/boot.js';
import { bootIdFile, posixContainersDir, taskCheckpointsDir, updateJournalDir } from '../../src/agent/paths.js';
import { tempDir } from '../helpers/process.js';

function withCheckpoints(): string {
  const workDir = tempDir();
  for (const dir of [taskCheckpointsDir(workDir), updateJournalDir(workDir), path.join(posixContainersDir(workDir), 'c1')]) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'x.json'), '{}');
  }
  return workDir;
}
const checkpointDirs = (workDir: string): boolean[] => [taskCheckpointsDir(workDir), updateJournalDir(workDir), posixContainersDir(workDir)].map((d) => fs.existsSync(d));

describe('checkBoot', () => {
  it('keeps the checkpoints of this boot, and records the boot on the first start', () => {
    const workDir = withCheckpoints();
    expect(checkBoot(workDir, 'boot-a')).toBe('first-start');
    expect(fs.readFileSync(bootIdFile(workDir), 'utf8').trim()).toBe('boot-a');
    expect(checkBoot(workDir, 'boot-a')).toBe('same-boot');
    expect(checkpointDirs(workDir)).toEqual([true, true, true]);
  });

  it('after a reboot removes every checkpoint and records the new boot', () => {
    const workDir = withCheckpoints();
    checkBoot(workDir, 'boot-a');
    expect(checkBoot(workDir, 'boot-b')).toBe('rebooted');
    expect(checkpointDirs(workDir)).toEqual([false, false, false]);
    expect(checkBoot(workDir, 'boot-b')).toBe('same-boot');
  });
});
