// The nomogram drawn as SVG in the layout of rms's plot.nomogram: a Points ruler (0–100), one axis per predictor
// placed by its points, Total Points and the probability read off it. SVG needs no package; a PNG is one call away
// with an image library (e.g. sharp's SVG input), which the project does not ship yet.
import type { Nomogram } from '../../contracts/models';

const WIDTH = 820;
const LABEL = 170;
const SCALE = 600;
const ROW = 46;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => String(Number(v.toPrecision(4)));

function axis(y: number, label: string, ticks: { x: number; text: string }[]): string {
  const xs = ticks.map((t) => t.x);
  const parts = [
    `<text x="${LABEL - 10}" y="${y + 4}" text-anchor="end">${esc(label)}</text>`,
    `<line x1="${Math.min(...xs).toFixed(1)}" y1="${y}" x2="${Math.max(...xs).toFixed(1)}" y2="${y}" stroke="black"/>`,
  ];
  for (const t of ticks) {
    parts.push(`<line x1="${t.x.toFixed(1)}" y1="${y}" x2="${t.x.toFixed(1)}" y2="${y - 6}" stroke="black"/>`);
    parts.push(`<text x="${t.x.toFixed(1)}" y="${y - 10}" text-anchor="middle">${esc(t.text)}</text>`);
  }
  return parts.join('');
}

export function nomogramSvg(nomogram: Nomogram, title = 'Nomogram'): string {
  const points = (p: number): number => LABEL + (p / 100) * SCALE;
  const total = (t: number): number => LABEL + (t / nomogram.maxTotalPoints) * SCALE;
  const rows: string[] = [];
  let y = 60;
  rows.push(
    axis(
      y,
      'Points',
      Array.from({ length: 11 }, (_, k) => ({ x: points(10 * k), text: String(10 * k) })),
    ),
  );
  for (const a of nomogram.axes) {
    y += ROW;
    rows.push(
      axis(
        y,
        a.name,
        a.ticks.map((t) => ({ x: points(t.points), text: fmt(t.value) })),
      ),
    );
  }
  y += ROW;
  const step = Math.pow(10, Math.floor(Math.log10(nomogram.maxTotalPoints / 2)));
  const totals = Array.from({ length: Math.floor(nomogram.maxTotalPoints / step) + 1 }, (_, k) => k * step);
  rows.push(
    axis(
      y,
      'Total Points',
      totals.map((t) => ({ x: total(t), text: fmt(t) })),
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
      ),
    );
  }
  const height = y + 30;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>` +
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>${rows.join('')}</svg>\n`
  );
}
