// A small inline SVG trend of one value across timepoints, with its values in words for screen readers (and in a
// tooltip). Missing values leave a gap.
export interface SparkPoint {
  label: string;
  value: number | null;
}

export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)) return value.toExponential(2);
  return Number(value.toPrecision(digits)).toString();
}

export function Sparkline({ points, name, width = 96, height = 28 }: { points: SparkPoint[]; name: string; width?: number; height?: number }) {
  const values = points.map((p) => p.value).filter((v): v is number => v != null && Number.isFinite(v));
  const description = `${name}: ${points.map((p) => `${p.label} ${formatNumber(p.value)}`).join(', ')}`;
  if (values.length === 0) {
    return (
      <span className="sparkline-empty" role="img" aria-label={`${name}: no values`}>
        no values
      </span>
    );
  }
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const pad = 3;
  const x = (i: number): number => (points.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1));
  const y = (v: number): number => (high === low ? height / 2 : height - pad - ((v - low) * (height - 2 * pad)) / (high - low));
  // One polyline per run of consecutive values.
  const runs: string[][] = [];
  let current: string[] = [];
  points.forEach((p, i) => {
    if (p.value == null || !Number.isFinite(p.value)) {
      if (current.length) runs.push(current);
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
  });
  if (current.length) runs.push(current);
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={description}>
      <title>{description}</title>
      {runs.map((run, i) => (
        <polyline key={i} points={run.join(' ')} fill="none" stroke="currentColor" strokeWidth="1.5" />
      ))}
      {points.map((p, i) => (p.value == null || !Number.isFinite(p.value) ? null : <circle key={i} cx={x(i)} cy={y(p.value)} r="2.2" fill="currentColor" />))}
    </svg>
  );
}
