import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO, pidAlive as alive, run } from './process.js';

// The suite's cleanup contract, checked on a real vitest run of a test file that fails:
// its temp dirs are removed and the processes it started are stopped (SIGKILL if SIGTERM is ignored).

it('a failing test file still removes its temp dirs and stops the processes it started', async () => {
  const vitest = run([path.join(REPO, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', path.join(REPO, 'test', 'helpers', 'fixtures', 'vitest.config.ts')], { cmd: process.execPath });
  const { code } = await vitest.exited;
  const out = vitest.output();
  expect(code, out).toBe(1);
  expect(out).toContain('failing on purpose');
  const m = /FIXTURE dir=(\S+) pids=(\d+),(\d+)/.exec(out);
  expect(m, out).not.toBeNull();
  const [, dir, ...pids] = m!;
  expect(fs.existsSync(dir!), dir).toBe(false);
  for (const pid of pids) expect(alive(Number(pid)), `pid ${pid}`).toBe(false);
  expect(out).toMatch(/temp dirs: 0 left by test files in this run's TMPDIR/);
}, 60_000);
