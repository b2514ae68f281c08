// Turns a table of per-feature formulas into a FeatureClass.compute: resolves which features are enabled the way
// PyRadiomics does (none named → all non-deprecated; deprecated ones yield no value), builds the class's matrix
// once, then evaluates each enabled formula on it.
import { RadiomicsInputError } from '../../imaging/errors';
import type { FeatureClass, Roi } from './types';

export type FeatureFormula<M> = (matrix: M) => number;

export interface TextureClassSpec<M> {
  name: string;
  /** Enabled-by-default features, in PyRadiomics' documentation order. */
  formulas: Readonly<Record<string, FeatureFormula<M>>>;
  /**
   * Names PyRadiomics still recognises but marks deprecated: enabling one is allowed and, as in PyRadiomics
   * (base._calculateFeatures catches the DeprecationWarning), yields no value.
   */
  deprecated: readonly string[];
  /** Computes the class's matrix (and what every formula shares) once per ROI. */
  matrix(roi: Roi): M;
}

/** A FeatureClass that also exposes its matrix builder and per-matrix formulas (IBSI mode aggregates matrices itself). */
export interface TextureFeatureClass<M> extends FeatureClass {
  readonly formulas: TextureClassSpec<M>['formulas'];
  readonly matrix: TextureClassSpec<M>['matrix'];
}

export function defineFeatureClass<M>(spec: TextureClassSpec<M>): TextureFeatureClass<M> {
  const featureNames = Object.keys(spec.formulas);
  return {
    name: spec.name,
    formulas: spec.formulas,
    matrix: spec.matrix,
    featureNames,
    deprecated: spec.deprecated,
    compute(roi: Roi, enabled?: readonly string[]): Record<string, number> {
      const names = enabledFeatures(spec.name, featureNames, spec.deprecated, enabled);
      if (names.length === 0) return {};
      const matrix = spec.matrix(roi);
      const values: Record<string, number> = {};
      for (const name of names) values[name] = spec.formulas[name](matrix);
      return values;
    },
  };
}

function enabledFeatures(className: string, featureNames: readonly string[], deprecated: readonly string[], enabled: readonly string[] | undefined): string[] {
  // PyRadiomics' base.execute enables every non-deprecated feature when none is named.
  if (enabled === undefined || enabled.length === 0) return [...featureNames];
  const unknown = enabled.filter((n) => !featureNames.includes(n) && !deprecated.includes(n));
  if (unknown.length > 0) {
    throw new RadiomicsInputError(`unknown ${className} feature(s): ${unknown.join(', ')}`, {
      field: `featureClass.${className}`,
      expected: `names from ${[...featureNames, ...deprecated].join(', ')}`,
    });
  }
  return featureNames.filter((n) => enabled.includes(n));
}

/** numpy.nanmean over per-angle values: NaN angles are ignored; all-NaN gives NaN. */
export function nanMean(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}

/** PyRadiomics' epsilon, numpy.spacing(1). */
export const EPS = Number.EPSILON;
