// The numbers a training run logs to MLflow: the deployed refit's calibration and AUC with their bootstrap intervals,
// and each DeLong comparison as its own group of metrics under a key MLflow accepts (letters, digits, underscores).
import { runMetrics } from '../../../registry/modelPackage';
import { candidate, interceptOnly } from '../models/report/fixture';

describe('runMetrics', () => {
  it('logs the corrected calibration with its intervals and every comparison with difference, CI and p', () => {
    const m = runMetrics(candidate());
    expect(m).toMatchObject({
      calibration_intercept: -0.1,
      calibration_intercept_ci_lower: -1.7,
      calibration_intercept_ci_upper: 1.5,
      calibration_slope: 0.8,
      calibration_slope_ci_lower: -0.4,
      calibration_slope_ci_upper: 2,
      optimism_corrected_auc: 0.79,
      optimism_corrected_auc_ci_lower: 0.55,
      optimism_corrected_auc_ci_upper: 1,
      delong_vs_clinical_auc: 5 / 9,
      delong_vs_clinical_difference: 2 / 9,
      delong_vs_clinical_difference_ci_lower: -0.3,
      delong_vs_clinical_difference_ci_upper: 0.75,
      delong_vs_clinical_p: 0.4,
      delong_vs_criterion_volumeChangePct_auc: 0.7,
      delong_vs_criterion_volumeChangePct_p: 0.61,
    });
    for (const key of Object.keys(m)) expect(key).toMatch(/^[A-Za-z0-9_.]+$/);
    for (const value of Object.values(m)) expect(Number.isFinite(value)).toBe(true);
  });

  it('logs no interval or comparison that the candidate does not hold', () => {
    const m = runMetrics(interceptOnly());
    expect(Object.keys(m).filter((k) => /^(calibration_|optimism_corrected_auc|delong_vs_)/.test(k))).toEqual([]);
  });
});
