// Size and startup time of the single-file build: `npm run build && npm run bench:binary`.
// Prints the binary size in MB and the median wall time of `tsmesos version` over N runs
// (default 20; override with BENCH_RUNS), run from an empty temp dir with PATH=/usr/bin:/bin.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const exe = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'out', 'tsmesos');
if (!existsSync(exe)) {
  process.stderr.write(`${exe} not found: run \`npm run build\` first\n`);
  process.exit(1);
}
const runs = Number(process.env.BENCH_RUNS ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'tsmesos-bench-'));
const bin = join(dir, 'tsmesos');
copyFileSync(exe, bin);
const env = { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? dir };

try {
  const once = () => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(bin, ['version'], { cwd: dir, env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error || r.status !== 0) throw new Error(`tsmesos version failed: status ${r.status} ${r.stderr} ${r.error?.message ?? ''}`);
    return ms;
  };
  once(); // warm the page cache: we measure startup, not the first read of 110 MB from disk
  const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
  const median = runs % 2 ? times[(runs - 1) / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
  const size = statSync(bin).size;
  process.stdout.write(`binary size: ${(size / 1024 / 1024).toFixed(1)} MB (${size} bytes)\n`);
  process.stdout.write(`tsmesos version: median ${median.toFixed(1)} ms over ${runs} runs (min ${times[0].toFixed(1)}, max ${times[runs - 1].toFixed(1)})\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
