// The feature engine's identity, stamped on every feature row: change ENGINE_VERSION whenever a feature's value
// can change (a formula, a default, preprocessing), so rows computed by different engines are never mixed silently.
export const ENGINE_NAME = 'osteoflow-radiomics';
export const ENGINE_VERSION = '0.1.0';
/** The PyRadiomics release whose semantics this engine reproduces (its baselines are the parity reference). */
export const PYRADIOMICS_COMPATIBILITY = '3.1.0';
