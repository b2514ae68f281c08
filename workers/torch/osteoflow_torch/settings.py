"""The worker's settings, from the environment; each missing or bad value stops the worker at start, naming the variable.
The Temporal connection and task queue use the names the TypeScript side uses (config/index.ts). The files the worker
reads from the repository (the activity's contract, the model sidecar schema and the model folders) are named by
absolute path in the environment; the launcher, ops/torchWorker.ts, sets them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .blobs import STORE_TLS_CA_VARIABLE, STORE_URL_VARIABLE, StoreConnection, parse_store_url
from .errors import DeviceError, SettingsError

# contracts/segmentation.schema.json: the segmentTumour input and result both workers check.
CONTRACT_VARIABLE = "OSTEOFLOW_SEGMENT_CONTRACT"
# models/segmentation/sidecar.schema.json: the schema of a model package's model.json.
SIDECAR_SCHEMA_VARIABLE = "OSTEOFLOW_SIDECAR_SCHEMA"
# Comma-separated model folders; the first is the default model.
MODELS_VARIABLE = "OSTEOFLOW_TORCH_MODELS"
DEFAULT_TASK_QUEUE = "osteoflow-segmentation"  # contracts/taskQueues.ts
# The worker's own study folder: inputs are laid out, and masks written, under <root>/<studyId>/<store-relative path>.
STUDY_ROOT_VARIABLE = "OSTEOFLOW_STUDY_ROOT"
# The embedded blob store's folder (<dataDir>/blobs), used when OSTEOFLOW_STORE_URL is unset.
BLOB_DIR_VARIABLE = "OSTEOFLOW_BLOB_DIR"
# With OSTEOFLOW_STORE_URL: this host's folder of fetched blobs (<dataDir>/blob-cache).
BLOB_CACHE_VARIABLE = "OSTEOFLOW_BLOB_CACHE"


def required_file(env: Mapping[str, str], name: str, what: str) -> Path:
    """The file the variable `name` names, resolved; unset, empty or not a file: a SettingsError naming the variable."""
    text = env.get(name, "").strip()
    if not text:
        raise SettingsError(f"{name} is not set", field=name, expected=f"the path of {what} (ops/torchWorker.ts sets it)")
    path = Path(text).resolve()
    if not path.is_file():
        raise SettingsError(f"{name}={text!r}: no such file", file=str(path), field=name, expected=f"the path of {what}")
    return path


def absolute_folder(env: Mapping[str, str], name: str, what: str) -> Path:
    """The folder the variable names (created when first used); unset, empty or relative: a SettingsError naming it."""
    text = env.get(name, "").strip()
    if not text:
        raise SettingsError(f"{name} is not set", field=name, expected=f"the absolute path of {what} (ops/torchWorker.ts sets it)")
    if not os.path.isabs(text):
        raise SettingsError(f"{name}={text!r} is not an absolute path", field=name, expected=f"the absolute path of {what}")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise SettingsError(f"{name}={text!r} is not a folder", field=name, expected=f"the absolute path of {what}")
    return path


def blob_settings(env: Mapping[str, str]) -> tuple[Path | None, StoreConnection | None, Path | None]:
    """(blob folder, PostgreSQL store, cache folder): the folder store, or the PostgreSQL store with its cache."""
    url = env.get(STORE_URL_VARIABLE, "").strip()
    ca = env.get(STORE_TLS_CA_VARIABLE, "").strip() or None
    if not url:
        if ca is not None:
            raise SettingsError(
                f"{STORE_TLS_CA_VARIABLE} is set, but {STORE_URL_VARIABLE} is not",
                field=STORE_TLS_CA_VARIABLE,
                expected="set with a PostgreSQL OSTEOFLOW_STORE_URL only",
            )
        return absolute_folder(env, BLOB_DIR_VARIABLE, "the blob folder (<dataDir>/blobs)"), None, None
    if env.get(BLOB_DIR_VARIABLE, "").strip():
        raise SettingsError(
            f"{BLOB_DIR_VARIABLE} is set together with {STORE_URL_VARIABLE}",
            field=BLOB_DIR_VARIABLE,
            expected=f"one blob store: the blob folder without {STORE_URL_VARIABLE}, or the PostgreSQL store and {BLOB_CACHE_VARIABLE}",
        )
    store = parse_store_url(url, ca)
    return None, store, absolute_folder(env, BLOB_CACHE_VARIABLE, "this host's blob cache (<dataDir>/blob-cache)")


@dataclass
class Settings:
    models: list[str]
    contract_file: Path
    sidecar_schema_file: Path
    # None: cuda:0 when this host has CUDA, else the CPU (recorded as a fallback)
    device: str | None
    precision: str
    concurrency: int
    threads: int | None
    tta: bool
    memory_limit_mb: int | None
    shutdown_grace_s: float
    temporal_address: str
    namespace: str
    task_queue: str
    # The worker's study folder root: <root>/<studyId>/<store-relative path>.
    study_root: Path
    api_key: str | None = None
    tls: dict = field(default_factory=dict)
    # The blob folder, or the PostgreSQL store and this host's cache of its blobs.
    blob_dir: Path | None = None
    store: StoreConnection | None = None
    blob_cache: Path | None = None
    # The shared codec key file (OSTEOFLOW_CODEC_KEYS): payloads are AES-256-GCM encrypted (codec.py); None: in clear.
    codec_keys_file: str | None = None


def _int(env: dict, name: str, default: int | None, minimum: int = 1) -> int | None:
    text = env.get(name, "")
    if text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise DeviceError(f"{name} must be an integer ≥ {minimum}, got {text!r}", field=name)
    return value


def _bool(env: dict, name: str) -> bool:
    text = env.get(name, "")
    if text not in ("", "0", "1", "true", "false"):
        raise DeviceError(f"{name} must be 1/true or 0/false, got {text!r}", field=name)
    return text in ("1", "true")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    models = [str(Path(p.strip()).resolve()) for p in env.get(MODELS_VARIABLE, "").split(",") if p.strip()]
    if not models:
        raise SettingsError(
            f"{MODELS_VARIABLE} is not set",
            field=MODELS_VARIABLE,
            expected="comma-separated model folders, the first the default (ops/torchWorker.ts sets the shipped package)",
        )
    precision = env.get("OSTEOFLOW_TORCH_PRECISION") or "auto"
    if precision not in ("auto", "fp32", "fp16", "bf16"):
        raise DeviceError(
            f"OSTEOFLOW_TORCH_PRECISION must be auto, fp32, fp16 or bf16, got {precision!r}", field="OSTEOFLOW_TORCH_PRECISION"
        )
    grace = env.get("OSTEOFLOW_TORCH_SHUTDOWN_GRACE_S") or "30"
    try:
        grace_s = float(grace)
        assert grace_s >= 0
    except (ValueError, AssertionError):
        raise DeviceError(
            f"OSTEOFLOW_TORCH_SHUTDOWN_GRACE_S must be seconds ≥ 0, got {grace!r}", field="OSTEOFLOW_TORCH_SHUTDOWN_GRACE_S"
        ) from None
    tls = {
        k: env[v]
        for k, v in (
            ("server_name", "TEMPORAL_TLS_SERVER_NAME"),
            ("ca", "TEMPORAL_TLS_CA"),
            ("cert", "TEMPORAL_TLS_CERT"),
            ("key", "TEMPORAL_TLS_KEY"),
        )
        if env.get(v)
    }
    blob_dir, store, blob_cache = blob_settings(env)
    return Settings(
        models=models,
        contract_file=required_file(env, CONTRACT_VARIABLE, "contracts/segmentation.schema.json"),
        sidecar_schema_file=required_file(env, SIDECAR_SCHEMA_VARIABLE, "models/segmentation/sidecar.schema.json"),
        device=env.get("OSTEOFLOW_TORCH_DEVICE") or None,
        precision=precision,
        concurrency=_int(env, "OSTEOFLOW_TORCH_CONCURRENCY", 1),
        threads=_int(env, "OSTEOFLOW_TORCH_THREADS", None),
        tta=_bool(env, "OSTEOFLOW_TORCH_TTA"),
        memory_limit_mb=_int(env, "OSTEOFLOW_TORCH_MEMORY_LIMIT_MB", None),
        shutdown_grace_s=grace_s,
        temporal_address=env.get("TEMPORAL_ADDRESS") or "localhost:7233",
        namespace=env.get("TEMPORAL_NAMESPACE") or "osteoflow",
        task_queue=env.get("OSTEOFLOW_TASK_QUEUE_SEGMENTATION") or DEFAULT_TASK_QUEUE,
        api_key=env.get("TEMPORAL_API_KEY") or None,
        tls=tls,
        study_root=absolute_folder(env, STUDY_ROOT_VARIABLE, "the worker's study folder root (<dataDir>/studies)"),
        blob_dir=blob_dir,
        store=store,
        blob_cache=blob_cache,
        codec_keys_file=str(required_file(env, "OSTEOFLOW_CODEC_KEYS", "the codec key file"))
        if env.get("OSTEOFLOW_CODEC_KEYS", "").strip()
        else None,
    )
