import { describe, expect, it } from 'vitest';
import { artifactOfUri, isConfigChange, parseApp, type AppDefinition } from '../../src/services/app-schema.js';
import { commandUris } from '../../src/services/task-builder.js';
import { decode } from '../../src/wire/codec.js';
import { TaskInfo } from '../../src/wire/mesos.js';

// Pure: an app's fetch/uris -> CommandInfo.uris, and what counts as a config change.
const app = (extra: Record<string, unknown>): AppDefinition => {
  const r = parseApp({ id: '/web', cmd: 'serve', ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.failure));
  return r.app;
};

describe('fetch artifacts as CommandInfo.uris', () => {
  it('maps every field (destPath -> output_file) and the result is a valid Mesos CommandInfo', () => {
    const uris = commandUris(app({ fetch: [{ uri: 'http://127.0.0.1/a.tgz' }, { uri: '/opt/x.sh', executable: true, extract: false, cache: true, destPath: 'bin/x' }] }));
    expect(uris).toEqual([
      { value: 'http://127.0.0.1/a.tgz', extract: true, executable: false, cache: false },
      { value: '/opt/x.sh', extract: false, executable: true, cache: true, output_file: 'bin/x' },
    ]);
    const info = decode(TaskInfo, { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, command: { value: 'x', uris } }, 'task');
    expect(info.command?.uris).toHaveLength(2);
  });

  it('legacy uris extract by suffix only (query strings do not count)', () => {
    expect(artifactOfUri('http://h/a.tar.gz').extract).toBe(true);
    expect(artifactOfUri('http://h/a.zip?x=1').extract).toBe(true);
    expect(artifactOfUri('http://h/a.txt?f=.tgz').extract).toBe(false);
    expect(artifactOfUri('/local/b.tbz2').extract).toBe(true);
    expect(artifactOfUri('file:///local/b.jar').extract).toBe(false);
  });

  it('a record written before fetch existed has no uris and is not a config change against an empty fetch', () => {
    const now = app({});
    const { fetch: _f, ...old } = now;
    expect(commandUris(old as AppDefinition)).toEqual([]);
    expect(isConfigChange(old as AppDefinition, now)).toBe(false);
    expect(isConfigChange(old as AppDefinition, app({ uris: ['http://127.0.0.1/a.tgz'] }))).toBe(true);
  });
});
