import { lstat, mkdtemp, readdir, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertSafePathId,
  createSandbox,
  executorDir,
  latestAgentLink,
  latestRunLink,
  metaDir,
  pointLatestLink,
  sandboxDir,
  type RunIds,
} from '../../src/agent/paths.js';

const ids: RunIds = { agentId: 'agent-1', frameworkId: 'fw-1', executorId: 'exec-1', containerId: 'c-1' };

describe('agent paths', () => {
  let workDir: string;

  beforeEach(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'tsmesos-paths-'));
  });

  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('lays out directories like Mesos', () => {
    expect(metaDir('/w')).toBe('/w/meta');
    expect(latestAgentLink('/w')).toBe('/w/slaves/latest');
    expect(executorDir('/w', ids)).toBe('/w/slaves/agent-1/frameworks/fw-1/executors/exec-1');
    expect(sandboxDir('/w', ids)).toBe('/w/slaves/agent-1/frameworks/fw-1/executors/exec-1/runs/c-1');
    expect(latestRunLink('/w', ids)).toBe('/w/slaves/agent-1/frameworks/fw-1/executors/exec-1/runs/latest');
  });

  it('creates the sandbox and points both latest links at it', async () => {
    const dir = await createSandbox(workDir, ids);
    expect(dir).toBe(sandboxDir(workDir, ids));
    expect((await lstat(dir)).isDirectory()).toBe(true);
    expect(await readlink(latestRunLink(workDir, ids))).toBe('c-1');
    expect(await realpath(latestRunLink(workDir, ids))).toBe(await realpath(dir));
    expect(await readlink(latestAgentLink(workDir))).toBe('agent-1');
  });

  it('moves runs/latest to the newest run and leaves no temporary links behind', async () => {
    await createSandbox(workDir, ids);
    const second = await createSandbox(workDir, { ...ids, containerId: 'c-2' });
    expect(await realpath(latestRunLink(workDir, ids))).toBe(await realpath(second));
    expect((await readdir(path.dirname(second))).sort()).toEqual(['c-1', 'c-2', 'latest']);
  });

  it('is idempotent for an existing sandbox and keeps its files', async () => {
    const dir = await createSandbox(workDir, ids);
    await writeFile(path.join(dir, 'stdout'), 'kept');
    await createSandbox(workDir, ids);
    expect(await readdir(dir)).toEqual(['stdout']);
  });

  it('survives many concurrent latest-link updates', async () => {
    const link = path.join(workDir, 'latest');
    await Promise.all(Array.from({ length: 50 }, (_, i) => pointLatestLink(link, `run-${i}`)));
    expect(await readlink(link)).toMatch(/^run-\d+$/);
    expect(await readdir(workDir)).toEqual(['latest']);
  });

  it.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot-dot', '..'],
    ['slash', 'a/b'],
    ['backslash', 'a\\b'],
    ['NUL', 'a\0b'],
    ['newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['256 chars', 'x'.repeat(256)],
    ['256 UTF-8 bytes', 'é'.repeat(128)],
  ])('rejects an unsafe id (%s)', (_label, id) => {
    expect(() => assertSafePathId('task id', id)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it.each(['abc', 'x'.repeat(255), 'fw-2024.01_ä', '...', '.hidden', 'latest'])('accepts a safe id %#', (id) => {
    expect(() => assertSafePathId('task id', id)).not.toThrow();
  });

  it('validates every id before building a path', async () => {
    expect(() => sandboxDir(workDir, { ...ids, frameworkId: '..' })).toThrow(/framework id/);
    expect(() => sandboxDir(workDir, { ...ids, executorId: 'a/../../etc' })).toThrow(/executor id/);
    expect(() => sandboxDir(workDir, { ...ids, containerId: 'latest' })).toThrow(/reserved/);
    expect(() => latestRunLink(workDir, { ...ids, agentId: 'latest' })).toThrow(/reserved/);
    await expect(createSandbox(workDir, { ...ids, agentId: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await readdir(workDir)).toEqual([]);
  });
});
