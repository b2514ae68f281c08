// The drawing kit the report's plots share: a plot frame mapping data to pixels, nice axis ticks, axes with labels,
// a legend, and the SVG document with <title> and <desc> for screen readers. Pure functions from numbers to strings.

/** The plot area in pixels and the data range it shows; y grows downwards in SVG, so ymax sits at `top`. */
export interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  x: [number, number];
  y: [number, number];
}

export const px = (v: number): string => v.toFixed(2);

/** Pixel x of a data value. */
export const toX = (f: Frame, v: number): number => f.left + ((v - f.x[0]) / (f.x[1] - f.x[0])) * f.width;
/** Pixel y of a data value. */
export const toY = (f: Frame, v: number): number => f.top + f.height - ((v - f.y[0]) / (f.y[1] - f.y[0])) * f.height;
export const point = (f: Frame, x: number, y: number): string => `${px(toX(f, x))},${px(toY(f, y))}`;

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A number as a reader wants it: `digits` decimals, a true minus sign. */
export const num = (v: number, digits = 2): string => (Object.is(v, -0) ? 0 : v).toFixed(digits).replace(/^-/, '−');

/**
 * Ticks at multiples of a 1, 2 or 5 × 10ᵏ step, about `count` of them over [lo, hi] (Heckbert's "nice numbers",
 * Graphics Gems 1990); each tick is rounded to the step's decimals so 0.1 + 0.2 prints as 0.3.
 */
export function niceTicks(lo: number, hi: number, count = 5): { values: number[]; step: number; decimals: number } {
  const raw = (hi - lo) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw - 1e-12) ?? 10 * power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const values: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) values.push(Number((k * step).toFixed(decimals)));
  return { values, step, decimals };
}

/** Both axes with their ticks, grid lines, tick labels and axis titles. */
export function axes(f: Frame, xTicks: readonly number[], yTicks: readonly number[], xLabel: string, yLabel: string, decimals: [number, number]): string {
  const bottom = f.top + f.height;
  const right = f.left + f.width;
  const parts: string[] = [`<g class="grid" stroke="#e3e3e3" stroke-width="1">`];
  for (const t of xTicks) parts.push(`<line x1="${px(toX(f, t))}" y1="${px(f.top)}" x2="${px(toX(f, t))}" y2="${px(bottom)}"/>`);
  for (const t of yTicks) parts.push(`<line x1="${px(f.left)}" y1="${px(toY(f, t))}" x2="${px(right)}" y2="${px(toY(f, t))}"/>`);
  parts.push('</g>');
  parts.push(`<rect class="frame" x="${px(f.left)}" y="${px(f.top)}" width="${px(f.width)}" height="${px(f.height)}" fill="none" stroke="#444"/>`);
  parts.push(`<g class="x-ticks" stroke="#444">`);
  for (const t of xTicks) parts.push(`<line x1="${px(toX(f, t))}" y1="${px(bottom)}" x2="${px(toX(f, t))}" y2="${px(bottom + 6)}"/>`);
  parts.push(`</g><g class="x-tick-labels" text-anchor="middle">`);
  for (const t of xTicks) parts.push(`<text x="${px(toX(f, t))}" y="${px(bottom + 24)}">${num(t, decimals[0])}</text>`);
  parts.push(`</g><g class="y-ticks" stroke="#444">`);
  for (const t of yTicks) parts.push(`<line x1="${px(f.left - 6)}" y1="${px(toY(f, t))}" x2="${px(f.left)}" y2="${px(toY(f, t))}"/>`);
  parts.push(`</g><g class="y-tick-labels" text-anchor="end">`);
  for (const t of yTicks) parts.push(`<text x="${px(f.left - 10)}" y="${px(toY(f, t) + 5)}">${num(t, decimals[1])}</text>`);
  parts.push('</g>');
  parts.push(`<text class="x-label" x="${px(f.left + f.width / 2)}" y="${px(bottom + 52)}" text-anchor="middle" font-size="16">${esc(xLabel)}</text>`);
  const cy = f.top + f.height / 2;
  parts.push(
    `<text class="y-label" x="${px(f.left - 58)}" y="${px(cy)}" text-anchor="middle" font-size="16" transform="rotate(-90 ${px(f.left - 58)} ${px(cy)})">${esc(yLabel)}</text>`,
  );
  return parts.join('');
}

export interface LegendEntry {
  text: string;
  /** Stroke colour and dash pattern of the swatch; `marker` draws a dot instead of a line. */
  stroke: string;
  dash?: string;
  marker?: boolean;
}

/** The legend above the plot area: one entry per line from y = 58, 22 px apart (room for three before top = 130). */
export function legend(left: number, entries: readonly LegendEntry[]): string {
  return (
    `<g class="legend">` +
    entries
      .map((e, i) => {
        const y = 58 + 22 * i;
        const swatch = e.marker
          ? `<circle cx="${px(left + 15)}" cy="${px(y - 5)}" r="5" fill="${e.stroke}"/>`
          : `<line x1="${px(left)}" y1="${px(y - 5)}" x2="${px(left + 30)}" y2="${px(y - 5)}" stroke="${e.stroke}" stroke-width="2.5"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`;
        return `${swatch}<text x="${px(left + 38)}" y="${px(y)}" font-size="13">${esc(e.text)}</text>`;
      })
      .join('') +
    `</g>`
  );
}

/**
 * The document: white background, a visible heading, and <title>/<desc> referenced by aria-labelledby, so that a screen
 * reader announces the plot's title and a sentence of what it shows.
 */
export function svgDocument(id: string, width: number, height: number, title: string, description: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" ` +
    `aria-labelledby="${id}-title ${id}-desc" font-family="DejaVu Sans, Arial, sans-serif" font-size="14">` +
    `<title id="${id}-title">${esc(title)}</title><desc id="${id}-desc">${esc(description)}</desc>` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text class="heading" x="${px(width / 2)}" y="32" text-anchor="middle" font-size="18" font-weight="bold">${esc(title)}</text>` +
    `${body}</svg>\n`
  );
}

/** A note printed inside the plot area (e.g. why a curve is missing). */
export function plotNote(f: Frame, lines: readonly string[]): string {
  return lines
    .map(
      (line, i) => `<text class="note" x="${px(f.left + f.width / 2)}" y="${px(f.top + 40 + 20 * i)}" text-anchor="middle" fill="#8a1c1c">${esc(line)}</text>`,
    )
    .join('');
}
