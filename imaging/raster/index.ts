// Radiographs (2D projection images): PNG and JPEG through sharp (asynchronous), DICOM CR and DX (synchronous).
export { readRaster, isRasterFile, RASTER_SUFFIXES, type RasterReadOptions } from './raster';
export { readDicomRadiograph, folderRadiograph, peekModality, RADIOGRAPH_MODALITIES } from './dicomRadiograph';
export { parseSpacing, checkSpacing, radiographGeometry, type RadiographVolume, type PixelSpacing2D, type SpacingSource } from './radiograph';
