// The nomogram drawn as SVG in the layout of rms's plot.nomogram: a Points ruler (0–100), one axis per predictor
// placed by its points, Total Points and the probability read off it. The label column widens to the longest
// predictor name (radiomics names run to 60 characters), and <title>/<desc> name the picture for screen readers; the
// registry rasterises it to PNG with sharp.
import type { Nomogram } from '../../contracts/models';

/** The narrowest label column; wider when a predictor's name needs it. */
const MIN_LABEL = 170;
/** Advance of one character of the 12 px sans-serif labels, generously (DejaVu Sans averages about 6.9 px). */
const CHAR_PX = 7.2;
const SCALE = 600;
const ROW = 46;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => String(Number(v.toPrecision(4)));

/** A 1, 2 or 5 × 10ᵏ step giving at most ten intervals up to `max`. */
function totalStep(max: number): number {
  const power = Math.pow(10, Math.floor(Math.log10(max / 10)));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => max / step <= 10) ?? 10 * power;
}

function axis(y: number, label: string, ticks: { x: number; text: string }[], labelWidth: number): string {
  const xs = ticks.map((t) => t.x);
  const parts = [
    `<text x="${labelWidth - 10}" y="${y + 4}" text-anchor="end">${esc(label)}</text>`,
    `<line x1="${Math.min(...xs).toFixed(1)}" y1="${y}" x2="${Math.max(...xs).toFixed(1)}" y2="${y}" stroke="black"/>`,
  ];
  for (const t of ticks) {
    parts.push(`<line x1="${t.x.toFixed(1)}" y1="${y}" x2="${t.x.toFixed(1)}" y2="${y - 6}" stroke="black"/>`);
    parts.push(`<text x="${t.x.toFixed(1)}" y="${y - 10}" text-anchor="middle">${esc(t.text)}</text>`);
  }
  return parts.join('');
}

export function nomogramSvg(nomogram: Nomogram, title = 'Nomogram'): string {
  const labelWidth = Math.max(MIN_LABEL, Math.ceil(20 + CHAR_PX * Math.max(0, ...nomogram.axes.map((a) => a.name.length))));
  const width = labelWidth + SCALE + 50;
  const points = (p: number): number => labelWidth + (p / 100) * SCALE;
  const total = (t: number): number => labelWidth + (t / nomogram.maxTotalPoints) * SCALE;
  const rows: string[] = [];
  let y = 60;
  rows.push(
    axis(
      y,
      'Points',
      Array.from({ length: 11 }, (_, k) => ({ x: points(10 * k), text: String(10 * k) })),
      labelWidth,
    ),
  );
  for (const a of nomogram.axes) {
    y += ROW;
    rows.push(
      axis(
        y,
        a.name,
        a.ticks.map((t) => ({ x: points(t.points), text: fmt(t.value) })),
        labelWidth,
      ),
    );
  }
  y += ROW;
  const step = totalStep(nomogram.maxTotalPoints);
  const totals = Array.from({ length: Math.floor(nomogram.maxTotalPoints / step) + 1 }, (_, k) => k * step);
  rows.push(
    axis(
      y,
      'Total Points',
      totals.map((t) => ({ x: total(t), text: fmt(t) })),
      labelWidth,
    ),
  );
  const shown = nomogram.probabilityAxis.filter((p) => p.totalPoints >= 0 && p.totalPoints <= nomogram.maxTotalPoints);
  if (shown.length > 0) {
    y += ROW;
    rows.push(
      axis(
        y,
        'Probability',
        shown.map((p) => ({ x: total(p.totalPoints), text: fmt(p.probability) })),
        labelWidth,
      ),
    );
  }
  const height = y + 30;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-labelledby="nomogram-title nomogram-desc" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">` +
    `<title id="nomogram-title">${esc(title)}</title><desc id="nomogram-desc">${esc(
      `Nomogram: read each predictor's points on the Points ruler, add them, and read the probability below Total Points. Predictors: ${nomogram.axes.map((a) => a.name).join(', ')}.`,
    )}</desc><rect width="100%" height="100%" fill="white"/>` +
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>${rows.join('')}</svg>\n`
  );
}
