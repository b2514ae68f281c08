// The nomogram picture stays readable with radiomics names: the label column widens to the longest predictor name
// (7.2 px a character plus 20 px, at least 170), Total Points gets 1-2-5 ticks, and <title>/<desc> name it.
import { nomogramSvg } from '../../../../models/learning/nomogramSvg';
import type { Nomogram } from '../../../../contracts/models';

const LONG = 'delta:preop:T1CE:wavelet-LLH_glszm_SmallAreaLowGrayLevelEmphasis'; // 64 characters

function nomogram(names: string[]): Nomogram {
  return {
    axes: names.map((name) => ({ name, coefficient: 1, reference: 0, ticks: [0, 50, 100].map((p) => ({ value: p / 10, points: p })) })),
    pointsPerUnit: 10,
    baseLinearPredictor: -2,
    maxTotalPoints: 210,
    probabilityAxis: [{ probability: 0.5, totalPoints: 20 }],
  };
}

describe('nomogramSvg', () => {
  it('widens the label column to the longest name so that none is cut off', () => {
    expect(LONG).toHaveLength(64);
    // 20 + 7.2·64 = 480.8 → 481: the Points ruler starts there, the picture is 481 + 600 + 50 wide.
    const svg = nomogramSvg(nomogram(['clinical:ageYears', LONG]), 'N');
    expect(svg).toContain('width="1131"');
    expect(svg).toMatch(/<text x="471" y="\d+" text-anchor="end">Points<\/text><line x1="481.0"/);
    expect(svg).toContain(`>${LONG}<`);
    // Short names keep the 170 px column.
    expect(nomogramSvg(nomogram(['age']), 'N')).toMatch(/<text x="160" y="\d+" text-anchor="end">Points<\/text><line x1="170.0"/);
  });

  it('ticks Total Points at a 1-2-5 step of at most ten intervals', () => {
    // 210 points: a step of 20 gives 10.5 intervals, 50 gives 4.2 → 0, 50, …, 200 at x = 170 + 600·t/210.
    const svg = nomogramSvg(nomogram(['age']), 'N');
    const row = /text-anchor="end">Total Points<\/text>(.*?)<text x="\d+" y="\d+" text-anchor="end">/.exec(svg)![1];
    const ticks = [...row.matchAll(/<text x="([^"]+)" y="\d+" text-anchor="middle">([^<]+)</g)].map((m) => [Number(m[1]), m[2]]);
    expect(ticks).toEqual([0, 50, 100, 150, 200].map((t) => [Number((170 + (600 * t) / 210).toFixed(1)), String(t)]));
  });

  it('is named for screen readers', () => {
    const svg = nomogramSvg(nomogram(['age', 'volume']), 'Good response <delta>');
    expect(svg).toContain('role="img" aria-labelledby="nomogram-title nomogram-desc"');
    expect(svg).toContain('<title id="nomogram-title">Good response &lt;delta&gt;</title>');
    expect(svg).toContain('Predictors: age, volume.</desc>');
  });
});
