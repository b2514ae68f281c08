// Derived regions of interest: peritumoral shells by exact Euclidean distance, and the bone-marrow region.
export { peritumoralShells, parseShellDistances, surfaceOffset, type Shell, type ShellOptions } from './shells';
export { marrowRegion, boneFromCt, type BoneSource, type MarrowRegion } from './marrow';
export { distanceMap, distanceLine, type DistanceMap } from './distance';
