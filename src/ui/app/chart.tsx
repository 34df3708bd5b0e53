import type { JSX } from 'preact';
import type { UsageSample } from './cluster.js';

const W = 600;
const H = 120;
const SERIES: { key: 'cpus' | 'mem' | 'disk'; label: string; cls: string }[] = [
  { key: 'cpus', label: 'CPU', cls: 'line-cpus' },
  { key: 'mem', label: 'memory', cls: 'line-mem' },
  { key: 'disk', label: 'disk', cls: 'line-disk' },
];

/** Share of the cluster's CPU, memory and disk in use over the last hour (as seen by this page). */
export function UsageChart({ samples }: { samples: readonly UsageSample[] }): JSX.Element {
  const last = samples.at(-1);
  if (!last || samples.length < 2) return <p class="muted">The chart fills in as the page polls (every 2 s, up to the last hour).</p>;
  const t0 = samples[0]!.at;
  const span = Math.max(1, last.at - t0);
  const x = (t: number): number => ((t - t0) / span) * W;
  const y = (v: number): number => H - v * H;
  const pct = (v: number): string => `${Math.round(v * 100)}%`;
  const summary = `In use over the last ${Math.max(1, Math.round(span / 60_000))} min: ${SERIES.map((s) => `${s.label} now ${pct(last[s.key])}, peak ${pct(Math.max(...samples.map((p) => p[s.key])))}`).join('; ')}`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        {[0.25, 0.5, 0.75].map((g) => <line class="grid-line" x1="0" x2={W} y1={y(g)} y2={y(g)} />)}
        {SERIES.map((s) => (
          <polyline class={s.cls} fill="none" vector-effect="non-scaling-stroke" points={samples.map((p) => `${x(p.at).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
      <figcaption>
        {SERIES.map((s) => <span class={`key ${s.cls}`}>{s.label} {pct(last[s.key])}</span>)}
        <span class="muted small">since {new Date(t0).toLocaleTimeString()}</span>
      </figcaption>
    </figure>
  );
}
