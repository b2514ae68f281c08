// The report's plots against geometry worked out by hand: the plot frames map data to the documented pixels, a known
// ROC's points and the diagonal land where they must, axis ticks sit at their values, risk groups and their Wilson
// intervals, the lowess smoother against a weighted least-squares fit done here, the decision curve's frame and
// points; every SVG carries title and desc and rasterises (as the registry does it).
import { nomogramPng } from '../../../../registry/modelPackage';
import { calibrationPlot, CALIBRATION_FRAME, lowess, lowessAt, riskGroups, smootherBand, wilsonInterval } from '../../../../models/report/calibrationPlot';
import { seededRandom } from '../../../../models/stats/random';
import { decisionCurveFrame, decisionCurvePlot } from '../../../../models/report/decisionCurvePlot';
import { rocSvg, ROC_FRAME } from '../../../../models/report/rocPlot';
import { niceTicks } from '../../../../models/report/svg';
import { expectClose } from '../fixtures';
import { candidate, LABELS, PROBABILITIES } from './fixture';

/** The `points` attribute of the polyline with this class, as [x, y] pairs. */
function polyline(svg: string, cls: string): [number, number][] {
  const m = new RegExp(`<polyline class="${cls}" points="([^"]*)"`).exec(svg);
  if (!m) throw new Error(`no polyline '${cls}'`);
  return m[1].split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

/** Text of the <text> elements inside the group with this class. */
function texts(svg: string, cls: string): { x: number; y: number; text: string }[] {
  const group = new RegExp(`<g class="${cls}"[^>]*>(.*?)</g>`).exec(svg);
  if (!group) throw new Error(`no group '${cls}'`);
  return [...group[1].matchAll(/<text x="([^"]+)" y="([^"]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), text: m[3] }));
}

function expectAccessible(svg: string, id: string, title: string): void {
  expect(svg).toContain(`role="img" aria-labelledby="${id}-title ${id}-desc"`);
  expect(svg).toContain(`<title id="${id}-title">${title}</title>`);
  expect(svg).toMatch(new RegExp(`<desc id="${id}-desc">[^<]{40,}</desc>`));
}

describe('ROC plot', () => {
  const svg = rocSvg({
    title: 'ROC curve: delta model',
    probabilities: PROBABILITIES,
    labels: LABELS,
    auc: 7 / 9,
    aucCi: [0.4, 1],
    source: 'Nested-CV out-of-fold',
  });

  it('documents its frame: 440 px square from (90, 130)', () => {
    expect(ROC_FRAME).toMatchObject({ left: 90, top: 130, width: 440, height: 440 });
  });

  it('puts the known ROC points at their pixels (x = 90 + 440·FPR, y = 570 − 440·TPR)', () => {
    // Thresholds from the top: 0.9 good → (0, 1/3); 0.8 poor → (1/3, 1/3); 0.7 good → (1/3, 2/3); 0.6 good → (1/3, 1);
    // 0.4 poor → (2/3, 1); 0.2 poor → (1, 1).
    const expected = [
      [90, 570],
      [90, 570 - 440 / 3],
      [90 + 440 / 3, 570 - 440 / 3],
      [90 + 440 / 3, 570 - 880 / 3],
      [90 + 440 / 3, 130],
      [90 + 880 / 3, 130],
      [530, 130],
    ];
    const points = polyline(svg, 'roc');
    expect(points).toHaveLength(expected.length);
    points.forEach(([x, y], i) => {
      expectClose(x, expected[i][0], 0.005);
      expectClose(y, expected[i][1], 0.005);
    });
  });

  it('draws the chance diagonal from the bottom-left to the top-right corner', () => {
    expect(polyline(svg, 'diagonal')).toEqual([
      [90, 570],
      [530, 130],
    ]);
  });

  it('puts the axis ticks at 0, 0.2, …, 1 on both axes', () => {
    const x = texts(svg, 'x-tick-labels');
    expect(x.map((t) => t.text)).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(x.map((t) => t.x)).toEqual([90, 178, 266, 354, 442, 530]);
    const y = texts(svg, 'y-tick-labels');
    expect(y.map((t) => t.text)).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    // The label's baseline sits 5 px below the tick so that the text is centred on it.
    expect(y.map((t) => t.y)).toEqual([575, 487, 399, 311, 223, 135]);
  });

  it('labels the axes, gives the AUC and its CI in the legend, and is accessible', () => {
    expect(svg).toContain('1 − specificity (false-positive rate)');
    expect(svg).toContain('Sensitivity (true-positive rate)');
    expect(svg).toContain('Nested-CV out-of-fold: AUC 0.778 (95 % CI 0.400 to 1.000, DeLong)');
    expect(svg).toContain('Chance (AUC 0.5)');
    expectAccessible(svg, 'roc', 'ROC curve: delta model');
    expect(svg).toMatch(/<desc[^>]*>ROC curve of 6 patients' nested-cv out-of-fold probabilities of good response \(3 good, 3 poor responders\), 7 points/);
  });

  it('draws equal predictions as the diagonal and says so; without outcomes it draws no curve and says why', () => {
    const tied = rocSvg({ title: 'ROC', probabilities: [0.5, 0.5, 0.5, 0.5], labels: [1, 0, 1, 0], auc: 0.5, aucCi: null, source: 'Out-of-fold' });
    expect(polyline(tied, 'roc')).toEqual([
      [90, 570],
      [530, 130],
    ]);
    expect(tied).toContain('Every prediction is the same:');
    const blind = rocSvg({ title: 'ROC', probabilities: PROBABILITIES, labels: null, auc: 7 / 9, aucCi: [0.4, 1], source: 'Out-of-fold' });
    expect(blind).not.toContain('class="roc"');
    expect(blind).toContain('were not available to the report.');
  });
});

describe('calibration plot', () => {
  it('gives Wilson intervals worked out by hand', () => {
    // z = 1.959964 (scipy norm.ppf(0.975)), z² = 3.841459. 0 of 5: centre (0 + z²/2)/(5 + z²) = 0.2172412, half-width
    // z/(5 + z²)·√(z²/4) = 0.2172412: [0, 0.4344825].
    const [lo0, hi0] = wilsonInterval(0, 5);
    expectClose(lo0, 0, 1e-9);
    expectClose(hi0, 0.4344825, 1e-7);
    // 3 of 5: centre 4.9207297/8.8414594 = 0.5565518, half-width 0.2216794·√(6/5 + 0.9603649) = 0.3258275.
    const [lo3, hi3] = wilsonInterval(3, 5);
    expectClose(lo3, 0.2307243, 1e-7);
    expectClose(hi3, 0.8823792, 1e-7);
    expect(() => wilsonInterval(6, 5)).toThrow(/events: 6 of 5/);
  });

  it('cuts risk groups of near-equal size and never splits equal predictions', () => {
    const p = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
    const y = [0, 0, 1, 0, 0, 1, 1, 0, 1, 1];
    const two = riskGroups(p, y, 2);
    expect(two.map((g) => [g.patients, g.events])).toEqual([
      [5, 1],
      [5, 4],
    ]);
    expectClose(two[0].meanPredicted, 0.3, 1e-12);
    expectClose(two[1].meanPredicted, 0.79, 1e-12);
    // A cut at 3 of 6 would split the three 0.2s: it moves up past them.
    const tied = riskGroups([0.1, 0.2, 0.2, 0.2, 0.3, 0.4], [0, 0, 1, 0, 1, 1], 2);
    expect(tied.map((g) => g.patients)).toEqual([4, 2]);
    expect(riskGroups([0.5, 0.5, 0.5], [1, 0, 1], 3).map((g) => g.patients)).toEqual([3]);
  });

  it('smooths with lowess as a weighted least-squares line with tricube weights (worked here)', () => {
    // f = 1 on 4 points: the window is every point; h is the distance to the farthest; the farthest gets weight 0.
    const x = [0, 1, 2, 3];
    const y = [0, 0, 1, 1];
    const tricube = (r: number, h: number) => (r <= 0.999 * h ? (1 - (r / h) ** 3) ** 3 : 0);
    const wls = (x0: number) => {
      const h = Math.max(...x.map((v) => Math.abs(v - x0)));
      const w = x.map((v) => tricube(Math.abs(v - x0), h));
      const sw = w.reduce((a, b) => a + b, 0);
      const mx = w.reduce((s, wi, i) => s + wi * x[i], 0) / sw;
      const my = w.reduce((s, wi, i) => s + wi * y[i], 0) / sw;
      const sxy = w.reduce((s, wi, i) => s + wi * (x[i] - mx) * (y[i] - my), 0);
      const sxx = w.reduce((s, wi, i) => s + wi * (x[i] - mx) ** 2, 0);
      return my + (sxy / sxx) * (x0 - mx);
    };
    const fit = lowess(x, y, 1);
    expect(fit.map((p) => p.x)).toEqual(x);
    fit.forEach((p) => expectClose(p.y, wls(p.x), 1e-12));
    // numpy's weighted least squares on the same weights gives −0.1197722723 at x = 0.
    expectClose(fit[0].y, -0.1197722723185668, 1e-12);
    // A straight line is reproduced exactly at the default span.
    const xs = [0.05, 0.1, 0.2, 0.35, 0.5, 0.6, 0.8, 0.9];
    lowess(
      xs,
      xs.map((v) => 0.1 + 0.5 * v),
    ).forEach((p) => expectClose(p.y, 0.1 + 0.5 * p.x, 1e-12));
  });

  it('places group markers, intervals and the rug at their pixels and draws the ideal line', () => {
    const plot = calibrationPlot({ title: 'Calibration', probabilities: PROBABILITIES, labels: LABELS, source: 'out-of-fold', groups: 2 });
    // Groups of 3: {0.2, 0.4, 0.6} with 1 good (mean 0.4), {0.7, 0.8, 0.9} with 2 good (mean 0.8).
    expect(plot.groups.map((g) => [g.patients, g.events])).toEqual([
      [3, 1],
      [3, 2],
    ]);
    const circles = [...plot.svg.matchAll(/<circle class="group" cx="([^"]+)" cy="([^"]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    // x = 90 + 440·0.4 = 266, y = 570 − 440/3 = 423.33; x = 90 + 440·0.8 = 442, y = 570 − 880/3 = 276.67.
    expect(circles).toEqual([
      [266, 423.33],
      [442, 276.67],
    ]);
    const ci = wilsonInterval(1, 3);
    const bar = /<line class="ci" x1="266.00" y1="([^"]+)" x2="266.00" y2="([^"]+)"/.exec(plot.svg)!;
    expectClose(Number(bar[1]), 570 - 440 * ci[0], 0.005);
    expectClose(Number(bar[2]), 570 - 440 * ci[1], 0.005);
    expect(polyline(plot.svg, 'ideal')).toEqual([
      [90, 570],
      [530, 130],
    ]);
    // Rug: good responders at 0.9, 0.7, 0.6 → x 486, 398, 354 in the upper row (y 644–660).
    const rugGood = [.../<g class="rug-good"[^>]*>(.*?)<\/g>/.exec(plot.svg)![1].matchAll(/x1="([^"]+)" y1="([^"]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(rugGood).toEqual([
      [486, 644],
      [398, 644],
      [354, 644],
    ]);
    expect(plot.svg).toContain('good (3)');
    expect(plot.svg).toContain('poor (3)');
    expect(CALIBRATION_FRAME).toMatchObject({ left: 90, top: 130, width: 440, height: 440 });
    expect(plot.smooth).toHaveLength(6);
    expect(polyline(plot.svg, 'smooth')).toHaveLength(6);
    expectAccessible(plot.svg, 'calibration', 'Calibration');
    expect(plot.svg).toContain('Predicted probability of good response');
    expect(plot.svg).toContain('Observed share of good responders');
  });

  it('evaluates the same smoother anywhere: at the data it is lowess, between the data a weighted line worked here', () => {
    const x = [0.05, 0.1, 0.2, 0.35, 0.5, 0.6, 0.8, 0.9];
    const y = [0, 0, 1, 0, 1, 0, 1, 1];
    lowessAt(x, y, x).forEach((v, i) => expectClose(v, lowess(x, y)[i].y, 1e-12));
    // f = 1 at x0 = 0.45: every point in the window, h the farthest distance (0.45 to 0.9), tricube weights, WLS line.
    const x0 = 0.45;
    const h = Math.max(...x.map((v) => Math.abs(v - x0)));
    const w = x.map((v) => (Math.abs(v - x0) <= 0.999 * h ? (1 - (Math.abs(v - x0) / h) ** 3) ** 3 : 0));
    const sw = w.reduce((a, b) => a + b, 0);
    const mx = w.reduce((s, wi, i) => s + wi * x[i], 0) / sw;
    const my = w.reduce((s, wi, i) => s + wi * y[i], 0) / sw;
    const slope = w.reduce((s, wi, i) => s + wi * (x[i] - mx) * (y[i] - my), 0) / w.reduce((s, wi, i) => s + wi * (x[i] - mx) ** 2, 0);
    expectClose(lowessAt(x, y, [x0], 1)[0], my + slope * (x0 - mx), 1e-12);
  });

  it('bands the smoother by the bootstrap: pointwise percentiles that contain the curve, and cover the truth about 95 % of the time', () => {
    // Perfectly calibrated predictions: y ~ Bernoulli(p). The true curve is the ideal line; over 60 simulated sets of 60
    // patients, the band at p = 0.5 (inside the data, away from the ends where lowess bends) covers 0.5 in most of them.
    const random = seededRandom(5);
    let covered = 0;
    const sets = 60;
    for (let s = 0; s < sets; s++) {
      const p = Array.from({ length: 60 }, () => 0.1 + 0.8 * random.next());
      const y = p.map((v) => (random.next() < v ? 1 : 0));
      const band = smootherBand([...p, 0.5], [...y, random.next() < 0.5 ? 1 : 0], { replicates: 200, seed: s + 1 })!;
      const k = band.x.indexOf(0.5);
      if (band.lower[k] <= 0.5 && band.upper[k] >= 0.5) covered++;
      if (s === 0) {
        const curve = lowess([...p, 0.5], [...y, 0]);
        expect(band.replicates).toBe(200);
        expect(band.x).toEqual(curve.map((c) => c.x));
        band.lower.forEach((lo, i) => expect(lo).toBeLessThanOrEqual(band.upper[i]));
      }
    }
    expect(covered / sets).toBeGreaterThanOrEqual(0.85);
    // Fewer than three distinct predictions: no band.
    expect(smootherBand([0.2, 0.2, 0.7, 0.7], [0, 1, 0, 1])).toBeNull();
  });

  it('draws the band under the smoother and prints the deployed refit’s corrected calibration with its intervals', () => {
    const plot = calibrationPlot({
      title: 'Calibration',
      probabilities: PROBABILITIES,
      labels: LABELS,
      source: 'out-of-fold',
      refit: { intercept: { corrected: -0.1, ci: [-1.7, 1.5] }, slope: { corrected: 0.8, ci: [-0.4, 2] }, replicates: 200 },
    });
    expect(plot.band).not.toBeNull();
    expect(plot.svg.indexOf('class="band"')).toBeLessThan(plot.svg.indexOf('class="smooth"'));
    expect(plot.svg).toContain('shaded: pointwise 95 % bootstrap band');
    expect(plot.svg).toContain('Deployed refit, optimism-corrected (bootstrap, 200 replicates):');
    expect(plot.svg).toContain('calibration-in-the-large −0.10 (95 % CI −1.70 to 1.50); slope 0.80 (95 % CI −0.40 to 2.00)');
    const none = calibrationPlot({ title: 'Calibration', probabilities: PROBABILITIES, labels: LABELS, source: 'out-of-fold', band: { replicates: 0 } });
    expect(none.band).toBeNull();
    expect(none.svg).not.toContain('class="band"');
  });

  it('draws one group and no smoother when every prediction is the same, and says so', () => {
    const plot = calibrationPlot({ title: 'Calibration', probabilities: [0.5, 0.5, 0.5, 0.5], labels: [1, 0, 0, 0], source: 'out-of-fold' });
    expect(plot.groups).toHaveLength(1);
    expect(plot.groups[0].observed).toBe(0.25);
    expect(plot.smooth).toBeNull();
    expect(plot.svg).not.toContain('class="smooth"');
    expect(plot.notes).toEqual(['1 distinct prediction: no smoothed curve (at least 3 needed)']);
    expect(plot.svg).toContain('Every prediction is the same: no smoothed curve.');
  });
});

describe('decision curve plot', () => {
  const c = candidate();
  const plot = decisionCurvePlot({ title: 'Decision curve', points: c.metrics.netBenefit, poorPrevalence: 0.5, probabilities: PROBABILITIES, labels: LABELS });

  it('frames the thresholds across and net benefit from a tick step below −0.05 up', () => {
    // Thresholds 0.3–0.5; values 0.1905, 0.2857, 1/3, 0 and 0: hi = 1/3, lo = −0.05, nice step 0.1 → [−0.1, 0.4].
    const f = decisionCurveFrame(c.metrics.netBenefit);
    expect(f.x).toEqual([0.3, 0.5]);
    expectClose(f.y[0], -0.1, 1e-12);
    expectClose(f.y[1], 0.4, 1e-12);
    expect(f).toMatchObject({ left: 90, top: 130, width: 560, height: 360 });
  });

  it("marks the candidate's points at their pixels and draws the model's curve through them", () => {
    // (0.5, 1/3): x = 90 + 560·(0.5 − 0.3)/0.2 = 650, y = 490 − 360·(1/3 + 0.1)/0.5 = 178.
    // (0.3, 0.190476): x = 90, y = 490 − 360·0.290476/0.5 = 280.857.
    const dots = [...plot.svg.matchAll(/<circle cx="([^"]+)" cy="([^"]+)" r="4"\/>/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(dots).toEqual([
      [90, 280.86],
      [650, 178],
    ]);
    const model = polyline(plot.svg, 'model');
    expect(model).toHaveLength(21); // every 0.01 from 0.30 to 0.50
    expect(model[0]).toEqual([90, 280.86]);
    expect(model[20]).toEqual([650, 178]);
    // Treat none is net benefit 0: y = 490 − 360·0.1/0.5 = 418.
    expect(polyline(plot.svg, 'treat-none')).toEqual([
      [90, 418],
      [650, 418],
    ]);
    // Treat all at 0.4: 0.5 − 0.5·(0.4/0.6) = 1/6 → x = 370, y = 490 − 360·(1/6 + 0.1)/0.5 = 298.
    expect(polyline(plot.svg, 'treat-all')[10]).toEqual([370, 298]);
  });

  it('says where the model beats treat all and treat none, with labelled axes', () => {
    expect(plot.modelBest).toEqual([0.5]);
    expect(plot.svg).toContain('Threshold probability of poor response (necrosis &lt; 90 %)');
    expect(plot.svg).toContain('>Net benefit<');
    expect(plot.svg).toContain('The model beats both alternatives at 0.5.');
    expectAccessible(plot.svg, 'decision-curve', 'Decision curve');
  });

  it('says so when there are no points', () => {
    const empty = decisionCurvePlot({ title: 'Decision curve', points: [], poorPrevalence: 0, probabilities: null, labels: null });
    expect(empty.svg).toContain('No decision curve: the model was not evaluated at any threshold.');
    expect(empty.frame).toBeNull();
  });
});

describe('axis ticks', () => {
  it('are 1, 2 or 5 × 10ᵏ steps with clean decimals', () => {
    expect(niceTicks(0, 1, 5).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-0.1, 0.4, 5)).toEqual({ values: [-0.1, 0, 0.1, 0.2, 0.3, 0.4], step: 0.1, decimals: 1 });
    expect(niceTicks(0.1, 0.7, 6).values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });
});

describe('rasterising', () => {
  it('turns every plot into a PNG as registration does', async () => {
    const svgs = [
      rocSvg({ title: 'ROC', probabilities: PROBABILITIES, labels: LABELS, auc: 7 / 9, aucCi: [0.4, 1], source: 'Out-of-fold' }),
      calibrationPlot({ title: 'Calibration', probabilities: PROBABILITIES, labels: LABELS, source: 'out-of-fold' }).svg,
      decisionCurvePlot({ title: 'Decision curve', points: candidate().metrics.netBenefit, poorPrevalence: 0.5, probabilities: null, labels: null }).svg,
    ];
    for (const svg of svgs) {
      const png = await nomogramPng(svg);
      expect(Buffer.from(png.subarray(1, 4)).toString('ascii')).toBe('PNG');
    }
  });
});
