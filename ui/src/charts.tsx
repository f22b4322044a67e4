/**
 * Hand-written SVG charts: two kinds are needed (stacked bars over time, horizontal bars), which
 * is less code than any chart library's setup, and nothing to download. Each chart has a table
 * twin for screen readers and for reading exact numbers.
 */
export interface HourPoint {
  hour: string;
  Completed: number;
  Failed: number;
  Stopped: number;
}
const SERIES = ['Completed', 'Failed', 'Stopped'] as const;

export function HourBars({ points, label }: { points: HourPoint[]; label: string }) {
  const W = 720;
  const H = 180;
  const pad = { l: 34, r: 8, t: 10, b: 22 };
  const max = Math.max(1, ...points.map((p) => p.Completed + p.Failed + p.Stopped));
  const bw = (W - pad.l - pad.r) / Math.max(1, points.length);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const ticks = [0, Math.ceil(max / 2), max].filter((v, i, a) => a.indexOf(v) === i);
  const labelEvery = Math.ceil(points.length / 8);
  const total = points.reduce((a, p) => a + p.Completed + p.Failed + p.Stopped, 0);
  return (
    <figure class="chart" data-total={total}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${label}: ${total} jobs`} preserveAspectRatio="none">
        {ticks.map((t) => (
          <g>
            <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} class="grid" />
            <text x={pad.l - 4} y={y(t) + 4} class="axis" text-anchor="end">
              {t}
            </text>
          </g>
        ))}
        {points.map((p, i) => {
          let acc = 0;
          const x = pad.l + i * bw + 1;
          const d = new Date(p.hour);
          return (
            <g>
              {SERIES.map((s) => {
                const v = p[s];
                if (!v) return null;
                const top = y(acc + v);
                const r = <rect x={x} width={Math.max(1, bw - 2)} y={top} height={y(acc) - top} class={`bar b-${s}`} />;
                acc += v;
                return r;
              })}
              <title>{`${d.toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' })}: ${p.Completed} completed, ${p.Failed} failed, ${p.Stopped} stopped`}</title>
              {i % labelEvery === 0 && (
                <text x={x + bw / 2} y={H - 6} class="axis" text-anchor="middle">
                  {points.length > 30
                    ? d.toLocaleDateString(undefined, { day: '2-digit', month: 'short' })
                    : `${String(d.getHours()).padStart(2, '0')}h`}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {label}: <b data-testid="chart-total">{total}</b> jobs ended
        <span class="legend">
          {SERIES.map((s) => (
            <span>
              <i class={`dot b-${s}`} /> {s}
            </span>
          ))}
        </span>
      </figcaption>
    </figure>
  );
}

export function HBars({
  rows,
  format,
  label,
}: {
  rows: { name: string; value: number; href?: string }[];
  format: (v: number) => string;
  label: string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <div class="hbars" role="list" aria-label={label}>
      {rows.map((r) => (
        <div class="hbar" role="listitem">
          <span class="hbar-name">{r.href ? <a href={r.href}>{r.name}</a> : r.name}</span>
          <span class="hbar-track">
            <span class="hbar-fill" style={{ width: `${(100 * r.value) / max}%` }} />
          </span>
          <span class="hbar-value">{format(r.value)}</span>
        </div>
      ))}
    </div>
  );
}
