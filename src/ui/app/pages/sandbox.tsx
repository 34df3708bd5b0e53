import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { filesUrl, getJson } from '../http.js';
import { ErrorBox, Loading, Section, Table } from '../components.js';
import { formatBytes, formatTime } from '../model.js';
import { usePoll } from '../poll.js';
import { href } from '../router.js';
import type { AgentState, BrowseEntry } from '../types.js';

// A task's sandbox, read from its agent: /state for the directory, /files/browse to list,
// /files/read to tail (polled from the last offset), /files/download to save.

async function sandboxDir(agent: string, frameworkId: string, taskId: string, signal: AbortSignal): Promise<string> {
  const st = await getJson<AgentState>(`${agent}/state`, signal);
  for (const fw of [...st.frameworks, ...st.completed_frameworks]) {
    if (fw.id !== frameworkId) continue;
    const ex = [...fw.executors, ...fw.completed_executors].find((e) => e.id === taskId || e.tasks.some((t) => t.id === taskId) || e.completed_tasks.some((t) => t.id === taskId));
    if (ex) return ex.directory;
  }
  throw new Error(`the agent at ${agent} has no sandbox for task ${taskId} (it may have been garbage-collected)`);
}

export function Sandbox({ agent, frameworkId, taskId, query }: { agent: string; frameworkId: string; taskId: string; query: URLSearchParams }): JSX.Element {
  const dir = usePoll(`dir:${agent}:${frameworkId}:${taskId}`, (sig) => sandboxDir(agent, frameworkId, taskId, sig), 30_000);
  const sub = query.get('dir') ?? '';
  const file = query.get('file');
  const link = (q: Record<string, string | undefined>): string => href('tasks', frameworkId, taskId, q);
  return (
    <Section title="Sandbox" extra={<span class="muted small mono">{dir.data ?? ''}</span>}>
      <ErrorBox what="Sandbox" error={dir.error} />
      {dir.data === undefined ? (dir.error ? null : <Loading what="sandbox" />) : (
        <>
          <nav class="quick" aria-label="Sandbox files">
            <a href={link({ file: 'stdout' })} aria-current={file === 'stdout' ? 'page' : undefined}>stdout</a>
            <a href={link({ file: 'stderr' })} aria-current={file === 'stderr' ? 'page' : undefined}>stderr</a>
            <a href={link({ dir: sub })} aria-current={file === null ? 'page' : undefined}>browse{sub ? ` /${sub}` : ''}</a>
          </nav>
          {file !== null ? (
            <Tail key={`${dir.data}/${file}`} agent={agent} path={`${dir.data}/${file}`} name={file} />
          ) : (
            <Browse agent={agent} root={dir.data} sub={sub} link={link} />
          )}
        </>
      )}
    </Section>
  );
}

function Browse({ agent, root, sub, link }: { agent: string; root: string; sub: string; link: (q: Record<string, string | undefined>) => string }): JSX.Element {
  const path = sub ? `${root}/${sub}` : root;
  const list = usePoll(`browse:${agent}:${path}`, (sig) => getJson<BrowseEntry[]>(filesUrl(agent, 'browse', path), sig));
  const rel = (p: string): string => p.slice(root.length + 1);
  const parent = sub.includes('/') ? sub.slice(0, sub.lastIndexOf('/')) : '';
  return (
    <>
      <ErrorBox what="Browse" error={list.error} />
      {sub ? <p><a href={link({ dir: parent })}>.. (up)</a></p> : null}
      {list.data === undefined ? (list.error ? null : <Loading what="files" />) : (
        <Table
          caption={`Files in /${sub}`}
          rows={list.data}
          rowKey={(e) => e.path}
          empty="This directory is empty."
          columns={[
            { header: 'Name', cell: (e) => <a href={e.mode.startsWith('d') ? link({ dir: rel(e.path) }) : link({ file: rel(e.path) })}>{e.path.slice(e.path.lastIndexOf('/') + 1)}{e.mode.startsWith('d') ? '/' : ''}</a> },
            { header: 'Mode', cell: (e) => <span class="mono">{e.mode}</span> },
            { header: 'Size', cell: (e) => formatBytes(e.size), class: 'num' },
            { header: 'Modified', cell: (e) => formatTime(e.mtime) },
            { header: 'Download', cell: (e) => (e.mode.startsWith('d') ? '' : <a href={filesUrl(agent, 'download', e.path)} download>download</a>) },
          ]}
        />
      )}
    </>
  );
}

const CHUNK = 64 * 1024;
const KEEP_CHARS = 256 * 1024;
const TAIL_MS = 1000;
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

/** Live tail: reads from the last offset every second while "follow" is on; keeps the last 256 KB. */
function Tail({ agent, path, name }: { agent: string; path: string; name: string }): JSX.Element {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [follow, setFollow] = useState(true);
  const offset = useRef<number | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (!follow) return;
    const ctl = new AbortController();
    let timer: number | undefined;
    const tick = async (): Promise<void> => {
      let more = false;
      try {
        // First the size (offset -1), then only the last KEEP_CHARS bytes of a long file.
        offset.current ??= Math.max(0, (await getJson<{ offset: number }>(filesUrl(agent, 'read', path, '&offset=-1'), ctl.signal)).offset - KEEP_CHARS);
        const r = await getJson<{ offset: number; data: string }>(filesUrl(agent, 'read', path, `&offset=${offset.current}&length=${CHUNK}`), ctl.signal);
        if (ctl.signal.aborted) return;
        if (r.data.length > 0) {
          offset.current = r.offset + utf8Length(r.data);
          setText((t) => (t + r.data).slice(-KEEP_CHARS));
          more = utf8Length(r.data) >= CHUNK / 2;
        }
        setError(undefined);
      } catch (e) {
        if (ctl.signal.aborted) return;
        setError(e instanceof Error ? e.message : String(e));
      }
      timer = window.setTimeout(() => void tick(), more ? 0 : TAIL_MS);
    };
    void tick();
    return () => {
      ctl.abort();
      window.clearTimeout(timer);
    };
  }, [agent, path, follow]);
  useEffect(() => {
    const el = pre.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [text, follow]);
  return (
    <div class="tail">
      <div class="tail-head">
        <h3>{name}</h3>
        <label><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> follow</label>
        <a href={filesUrl(agent, 'download', path)} download>download</a>
      </div>
      <ErrorBox what={`Reading ${name}`} error={error} />
      <pre ref={pre} class="log" data-testid="log" tabIndex={0} aria-label={`contents of ${name}`}>{text || (error ? '' : '(empty so far)')}</pre>
    </div>
  );
}
