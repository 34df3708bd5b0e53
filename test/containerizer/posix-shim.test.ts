// The posix task supervisor (perl, real processes): with cgroups it joins them itself before its
// gate, and refuses to start the task (exit 125, one line on stderr) when it cannot join one.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPerl, releaseShim, shimCommand, taskPidOf } from '../../src/containerizer/posix-shim.js';
import { tempDir } from '../helpers/process.js';

const perl = findPerl();

function runShim(cgroupProcs: string[]): { exited: Promise<{ code: number | null; stderr: string }>; child: ReturnType<typeof spawn> } {
  const run = shimCommand(perl!, { file: '/bin/sh', argv0: 'sh', args: ['-c', 'exit 0'] }, { PATH: '/usr/bin:/bin' }, { gated: true, exitFile: '', cgroupProcs });
  const child = spawn(run.file, run.args, { env: run.env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { exited, child };
}

describe.skipIf(perl === undefined)('posix task supervisor and cgroups', () => {
  it('writes its own pid to every cgroup.procs it is given before its gate, then runs the task on "go"', async () => {
    const dir = tempDir();
    const files = [path.join(dir, 'cpu.procs'), path.join(dir, 'memory.procs')];
    for (const f of files) fs.writeFileSync(f, '');
    const { exited, child } = runShim(files);
    releaseShim(child);
    const pid = await taskPidOf(child);
    expect(pid).toBeGreaterThan(0);
    expect(await exited).toEqual({ code: 0, stderr: '' });
    for (const f of files) expect(fs.readFileSync(f, 'utf8')).toBe(`${child.pid}\n`);
  });

  it('exits 125 without starting the task when it cannot join a cgroup', async () => {
    const missing = path.join(tempDir(), 'gone', 'cgroup.procs');
    const { exited, child } = runShim([missing]);
    const started = taskPidOf(child).then(() => true, () => false);
    const end = await exited;
    expect(end.code).toBe(125);
    expect(end.stderr).toContain(`cannot join the container's cgroup ${missing}`);
    expect(await started).toBe(false);
  });
});
