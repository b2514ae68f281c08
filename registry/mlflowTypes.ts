// MLflow REST messages used by osteoflow, written from MLflow's service.proto / model_registry.proto
// (field names as on the wire; int64 timestamps arrive as strings or numbers depending on the server).

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
}

export interface RunInfo {
  run_id: string;
  experiment_id: string;
  run_name?: string;
  status?: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  start_time?: string | number;
  end_time?: string | number;
  artifact_uri: string;
  lifecycle_stage?: string;
}

export interface Param {
  key: string;
  value: string;
}
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step?: number;
}
export interface RunTag {
  key: string;
  value: string;
}

export interface Run {
  info: RunInfo;
  data: { params?: Param[]; metrics?: Metric[]; tags?: RunTag[] };
}

export interface RegisteredModelAlias {
  alias: string;
  version: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp?: string | number;
  last_updated_timestamp?: string | number;
  description?: string;
  tags?: RunTag[];
  aliases?: RegisteredModelAlias[];
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: string | number;
  source?: string;
  run_id?: string;
  status?: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
  description?: string;
  tags?: RunTag[];
  aliases?: string[];
}

/** MLflow's error body: `{ error_code: 'RESOURCE_DOES_NOT_EXIST', message: '…' }`. */
export interface MlflowErrorBody {
  error_code?: string;
  message?: string;
}
