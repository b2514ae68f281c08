// The messages between the extraction pool (pool.ts) and its worker threads (poolWorker.ts): plain data, copied by
// structured clone. A worker runs one request at a time, so a reply belongs to the request its worker runs.
import type { ExtractOptions, ExtractionInput, ExtractionResult, Preprocessed } from '../extractor';
import type { Diagnostics } from './diagnostics';
import type { ExtractionParams, ExtractionSettings, ImageTypeName } from '../params/types';

/** What an image-type job needs of the preprocessing: the image, the texture ROI, and whether shape shares it. */
export type PreparedState = Pick<Preprocessed, 'params' | 'image' | 'textureRoi'> & { shapeIsTexture: boolean };

export type PoolRequest =
  | { kind: 'prepare'; image: ExtractionInput | null; mask: ExtractionInput; params: ExtractionParams; options: ExtractOptions }
  /** The features of one image type's derived images: all of them (`only` null) or those at the listed positions. */
  | { kind: 'images'; pre: PreparedState; imageType: ImageTypeName; settings: ExtractionSettings; only: number[] | null }
  /** An extraction of a small synthetic case with these parameters, to compile the engine's hot code; replies 'done'. */
  | { kind: 'warm'; params: ExtractionParams; options: ExtractOptions };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  file?: string;
  field?: string;
  expected?: string;
}

export type PoolReply =
  | { kind: 'complete'; result: ExtractionResult }
  /** The preprocessed state, posted before shape is computed so that the image jobs start meanwhile; not the last. */
  | { kind: 'prepared'; diagnostics: Diagnostics; pre: PreparedState }
  /** The shape features: a prepare request's last reply. */
  | { kind: 'shape'; features: Record<string, number> }
  /** One derived image's features; `index` its position among its image type's derived images. */
  | { kind: 'image'; name: string; index: number; features: Record<string, number> }
  | { kind: 'done' }
  | { kind: 'failed'; error: SerializedError };
