import { vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';

/** Runs `tsmesos <args>` in this process (runCli), capturing what it writes and its exit code. */
export async function runCliCaptured(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await runCli(['node', 'tsmesos', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
