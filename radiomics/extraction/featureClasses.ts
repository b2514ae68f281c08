// The feature classes the extractor can run, keyed by PyRadiomics class name. Shape classes read only the mask and
// run once on the original image; the others run on every image type.
import { firstorder } from '../features/firstorder';
import { glcm } from '../features/glcm';
import { gldm } from '../features/gldm';
import { glrlm } from '../features/glrlm';
import { glszm } from '../features/glszm';
import { ngtdm } from '../features/ngtdm';
import { shape } from '../features/shape';
import { shape2D } from '../features/shape2d';
import type { FeatureClass } from '../features/types';
import type { FeatureCatalog, FeatureClassName } from '../params/types';

export const FEATURE_CLASSES: Readonly<Record<FeatureClassName, FeatureClass>> = {
  firstorder,
  shape,
  shape2D,
  glcm,
  glrlm,
  glszm,
  gldm,
  ngtdm,
};

export const SHAPE_CLASSES: readonly FeatureClassName[] = ['shape', 'shape2D'];

/** Feature names per class, for validating parameter files. */
export const FEATURE_CATALOG: FeatureCatalog = FEATURE_CLASSES;
