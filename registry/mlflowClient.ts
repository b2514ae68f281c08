// A small typed client for MLflow's REST API (tracking, model registry with aliases, artifact proxy).
// One place (`send`) retries 429/5xx and network failures with backoff; every error carries MLflow's error_code.
import type { Experiment, MlflowErrorBody, ModelVersion, RegisteredModel, Run, RunTag } from './mlflowTypes';

const API = 'api/2.0/mlflow/';
const ARTIFACTS = 'api/2.0/mlflow-artifacts/artifacts/';

export class MlflowError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly endpoint: string,
  ) {
    super(`MLflow ${endpoint}: ${errorCode} (HTTP ${status}): ${message}`);
    this.name = 'MlflowError';
  }
}

export interface MlflowClientOptions {
  trackingUri: string;
  token?: string;
  /** Attempts for a request that fails with 429, 5xx or a network error (default 5). */
  maxAttempts?: number;
  /** First backoff delay in ms, doubled each retry (default 200). */
  initialBackoffMs?: number;
  fetchImpl?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

export class MlflowClient {
  private readonly base: URL;
  private readonly maxAttempts: number;
  private readonly initialBackoffMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: MlflowClientOptions) {
    this.base = new URL(options.trackingUri.endsWith('/') ? options.trackingUri : `${options.trackingUri}/`);
    this.maxAttempts = options.maxAttempts ?? 5;
    this.initialBackoffMs = options.initialBackoffMs ?? 200;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  // ---- experiments and runs ----

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      return (await this.get<{ experiment: Experiment }>('experiments/get-by-name', { experiment_name: name })).experiment;
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    const existing = await this.getExperimentByName(name);
    if (existing) return existing;
    try {
      const { experiment_id } = await this.post<{ experiment_id: string }>('experiments/create', { name });
      return { experiment_id, name };
    } catch (err) {
      // Another process created it between our get and create.
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') return (await this.getExperimentByName(name))!;
      throw err;
    }
  }

  async createRun(experimentId: string, runName?: string, tags: RunTag[] = []): Promise<Run> {
    return (await this.post<{ run: Run }>('runs/create', { experiment_id: experimentId, run_name: runName, start_time: Date.now(), tags })).run;
  }

  async getRun(runId: string): Promise<Run> {
    return (await this.get<{ run: Run }>('runs/get', { run_id: runId })).run;
  }

  /** Logs params, metrics and tags, split into requests within MLflow's batch limits (100 params, 100 tags, 1000 entries). */
  async logBatch(runId: string, batch: { params?: Record<string, string>; metrics?: Record<string, number>; tags?: Record<string, string> }): Promise<void> {
    const now = Date.now();
    const params = Object.entries(batch.params ?? {}).map(([key, value]) => ({ key, value }));
    const metrics = Object.entries(batch.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: now, step: 0 }));
    const tags = Object.entries(batch.tags ?? {}).map(([key, value]) => ({ key, value }));
    do {
      const p = params.splice(0, 100);
      const t = tags.splice(0, 100);
      const m = metrics.splice(0, 1000 - p.length - t.length);
      await this.post('runs/log-batch', { run_id: runId, params: p, metrics: m, tags: t });
    } while (params.length + metrics.length + tags.length > 0);
  }

  async setRunTag(runId: string, key: string, value: string): Promise<void> {
    await this.post('runs/set-tag', { run_id: runId, key, value });
  }

  async finishRun(runId: string, status: 'FINISHED' | 'FAILED' | 'KILLED' = 'FINISHED'): Promise<void> {
    await this.post('runs/update', { run_id: runId, status, end_time: Date.now() });
  }

  // ---- model registry ----

  async createRegisteredModel(name: string, description?: string, tags: RunTag[] = []): Promise<RegisteredModel> {
    return (await this.post<{ registered_model: RegisteredModel }>('registered-models/create', { name, description, tags })).registered_model;
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return (await this.get<{ registered_model: RegisteredModel }>('registered-models/get', { name })).registered_model;
  }

  /** The model, or undefined when no model of that name is registered. */
  async findRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    try {
      return await this.getRegisteredModel(name);
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  /** Creates the model unless it exists (two trainings may register the first version at once). */
  async ensureRegisteredModel(name: string, description?: string): Promise<RegisteredModel> {
    const existing = await this.findRegisteredModel(name);
    if (existing) return existing;
    try {
      return await this.createRegisteredModel(name, description);
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') return this.getRegisteredModel(name);
      throw err;
    }
  }

  async searchRegisteredModels(filter?: string): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.get<{ registered_models?: RegisteredModel[]; next_page_token?: string }>('registered-models/search', {
        filter,
        max_results: 100,
        page_token: pageToken,
      });
      out.push(...(page.registered_models ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.post('registered-models/set-tag', { name, key, value });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.send('DELETE', 'registered-models/delete', undefined, { name });
  }

  async createModelVersion(args: { name: string; source: string; runId?: string; description?: string; tags?: RunTag[] }): Promise<ModelVersion> {
    const body = { name: args.name, source: args.source, run_id: args.runId, description: args.description, tags: args.tags ?? [] };
    return (await this.post<{ model_version: ModelVersion }>('model-versions/create', body)).model_version;
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return (await this.get<{ model_version: ModelVersion }>('model-versions/get', { name, version })).model_version;
  }

  /** Every version matching the filter (all pages), e.g. `name = 'osteoflow-response'`. */
  async searchModelVersions(filter: string): Promise<ModelVersion[]> {
    const out: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.get<{ model_versions?: ModelVersion[]; next_page_token?: string }>('model-versions/search', {
        filter,
        max_results: 200,
        page_token: pageToken,
      });
      out.push(...(page.model_versions ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    return ((await this.send('PATCH', 'model-versions/update', { name, version, description })) as { model_version: ModelVersion }).model_version;
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.post('model-versions/set-tag', { name, version, key, value });
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    return (await this.get<{ artifact_uri: string }>('model-versions/get-download-uri', { name, version })).artifact_uri;
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.post('registered-models/alias', { name, alias, version });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.send('DELETE', 'registered-models/alias', { name, alias });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return (await this.get<{ model_version: ModelVersion }>('registered-models/alias', { name, alias })).model_version;
  }

  // ---- artifacts through the server's proxy (mlflow-artifacts:/ URIs) ----

  async uploadArtifact(artifactUri: string, relativePath: string, content: Uint8Array | string): Promise<void> {
    const url = this.artifactUrl(artifactUri, relativePath);
    await this.send('PUT', url, typeof content === 'string' ? new TextEncoder().encode(content) : content);
  }

  async downloadArtifact(artifactUri: string, relativePath = ''): Promise<Uint8Array> {
    const response = await this.send('GET', this.artifactUrl(artifactUri, relativePath), undefined, undefined, true);
    return new Uint8Array(await (response as Response).arrayBuffer());
  }

  /** Maps `mlflow-artifacts:/a/b` or `mlflow-artifacts://host:port/a/b` (+ relative path) to the proxy URL. */
  artifactUrl(artifactUri: string, relativePath = ''): URL {
    const match = /^mlflow-artifacts:(?:\/\/[^/]+)?\/(.*)$/.exec(artifactUri);
    if (!match) throw new Error(`artifact URI ${artifactUri} is not served by the MLflow artifact proxy (expected mlflow-artifacts:/…)`);
    const joined = [match[1], relativePath].filter(Boolean).join('/').replace(/\/+/g, '/');
    return new URL(ARTIFACTS + joined.split('/').map(encodeURIComponent).join('/'), this.base);
  }

  // ---- transport ----

  private async get<T>(endpoint: string, query: Query): Promise<T> {
    return (await this.send('GET', endpoint, undefined, query)) as T;
  }

  private async post<T>(endpoint: string, body: unknown): Promise<T> {
    return (await this.send('POST', endpoint, body)) as T;
  }

  private async send(method: string, endpoint: string | URL, body?: unknown, query?: Query, raw = false): Promise<unknown> {
    const url = endpoint instanceof URL ? new URL(endpoint) : new URL(API + endpoint, this.base);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = {};
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    let payload: Uint8Array | string | undefined;
    if (body instanceof Uint8Array) {
      payload = body;
      headers['Content-Type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      // MLflow takes JSON bodies on POST, PATCH and DELETE.
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const label = endpoint instanceof URL ? `${method} ${url.pathname}` : endpoint;
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      let networkError: Error | undefined;
      try {
        response = await this.fetchImpl(url, { method, headers, body: payload, signal: AbortSignal.timeout(60000) });
      } catch (err) {
        networkError = err as Error;
      }
      const retryable = networkError !== undefined || response!.status === 429 || response!.status >= 500;
      if (retryable && attempt < this.maxAttempts) {
        const retryAfter = Number(response?.headers.get('retry-after'));
        await new Promise((r) => setTimeout(r, retryAfter > 0 ? retryAfter * 1000 : this.initialBackoffMs * 2 ** (attempt - 1)));
        continue;
      }
      if (networkError) throw new MlflowError(0, 'NETWORK_ERROR', `${networkError.message} (${url.origin}, ${attempt} attempts)`, label);
      if (!response!.ok) {
        const text = await response!.text();
        let parsed: MlflowErrorBody;
        try {
          parsed = JSON.parse(text) as MlflowErrorBody;
        } catch {
          parsed = { message: text.slice(0, 300) };
        }
        throw new MlflowError(response!.status, parsed.error_code ?? `HTTP_${response!.status}`, parsed.message ?? '', label);
      }
      if (raw) return response;
      const text = await response!.text();
      return text ? JSON.parse(text) : {};
    }
  }
}
