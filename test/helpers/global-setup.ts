import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// vitest globalSetup: the whole run gets its own TMPDIR (tsmesos-run-*), inherited by the test
// workers and every process they start, so what a run leaves behind is counted exactly even
// while other runs share /tmp. Each test file removes its own temp dirs at its end
// (test/helpers/cleanup.setup.ts); the teardown counts what is left (the check), reports it and
// fails the run if a test file leaked, then removes the run's TMPDIR either way.

const count = (dir: string): number => fs.readdirSync(dir).filter((n) => n.startsWith('tsmesos-')).length;

export default function setup(): () => void {
  const outer = os.tmpdir();
  const before = count(outer);
  const root = fs.mkdtempSync(path.join(outer, 'tsmesos-run-'));
  const saved = process.env['TMPDIR'];
  process.env['TMPDIR'] = root;
  // tsmesos's own channel (master <-> agent) must carry canonical v1 JSON in every test, in
  // process and in every node a test starts: anything else is refused (src/wire/codec.ts decodeOwn).
  process.env['TSMESOS_WIRE_STRICT'] = '1';
  // Nodes the tests start do not take Marathon's port 8080 (parallel files would fight over it);
  // tests of --marathon-port give a free port explicitly.
  process.env['TSMESOS_MARATHON_PORT'] = '0';
  // Every master a test starts recomputes its resource ledger at each allocation and fails on
  // a difference (src/master/ledger-check.ts).
  process.env['TSMESOS_CHECK_LEDGER'] = '1';
  return () => {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
    const left = fs.readdirSync(root).filter((n) => n.startsWith('tsmesos-'));
    // What a leftover holds names the code that wrote it after its test's cleanup.
    for (const n of left) {
      const inside = (fs.readdirSync(path.join(root, n), { recursive: true }) as string[]).slice(0, 20);
      process.stdout.write(`left behind: ${n}: ${inside.join(', ')}\n`);
    }
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    const after = count(outer);
    process.stdout.write(`temp dirs: ${left.length} left by test files in this run's TMPDIR; ${outer}/tsmesos-* ${before} before, ${after} after (other runs share ${outer})\n`);
    if (left.length > 0) throw new Error(`test files left ${left.length} temp dir(s) behind: ${left.slice(0, 10).join(', ')}; create them with tempDir() from test/helpers/process.ts, which removes them at the end of the file`);
  };
}
