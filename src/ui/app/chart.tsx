import type { JSX } from 'preact';
import type { UsageSample } from './cluster.js';

const W = 600;
const H = 120;
type Key = 'cpus' | 'mem' | 'disk' | 'gpus';
const SERIES: { key: Key; label: string; cls: string }[] = [
  { key: 'cpus', label: 'CPU', cls: 'line-cpus' },
  { key: 'mem', label: 'memory', cls: 'line-mem' },
  { key: 'disk', label: 'disk', cls: 'line-disk' },
  { key: 'gpus', label: 'GPU', cls: 'line-gpus' },
];

/**
 * Share of the cluster's CPU, memory, disk (and GPUs, when it has any) in use over the last hour:
 * the leader's samples (GET /tsmesos/v1/usage), then the page's latest reading of /master/state.
 */
export function UsageChart({ samples, gpus, intervalMs }: { samples: readonly UsageSample[]; gpus: boolean; intervalMs: number | undefined }): JSX.Element {
  const last = samples.at(-1);
  const every = intervalMs !== undefined ? `every ${Math.round(intervalMs / 100) / 10} s` : 'periodically';
  if (!last || samples.length < 2) return <p class="muted">The leading master samples the cluster's use {every}; the chart draws from its second sample on.</p>;
  const series = SERIES.filter((s) => s.key !== 'gpus' || gpus);
  const t0 = samples[0]!.at;
  const span = Math.max(1, last.at - t0);
  const x = (t: number): number => ((t - t0) / span) * W;
  const y = (v: number): number => H - Math.min(1, Math.max(0, v)) * H;
  const pct = (v: number): string => `${Math.round(v * 100)}%`;
  const summary = `In use over the last ${Math.max(1, Math.round(span / 60_000))} min: ${series.map((s) => `${s.label} now ${pct(last[s.key])}, peak ${pct(Math.max(...samples.map((p) => p[s.key])))}`).join('; ')}`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary} data-points={samples.length}>
        {[0.25, 0.5, 0.75].map((g) => <line class="grid-line" x1="0" x2={W} y1={y(g)} y2={y(g)} />)}
        {series.map((s) => (
          <polyline class={s.cls} fill="none" vector-effect="non-scaling-stroke" points={samples.map((p) => `${x(p.at).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
      <figcaption>
        {series.map((s) => <span class={`key ${s.cls}`}>{s.label} {pct(last[s.key])}</span>)}
        <span class="muted small">since {new Date(t0).toLocaleTimeString()}, sampled {every}</span>
      </figcaption>
    </figure>
  );
}
