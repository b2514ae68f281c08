"""The worker's settings, from the environment; each missing or bad value stops the worker at start, naming the variable.
The Temporal connection and task queue use the names the TypeScript side uses (config/index.ts). The files the worker
reads from the repository (the activity's contract, the model sidecar schema and the model folders) are named by
absolute path in the environment; the launcher, ops/torchWorker.ts, sets them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DeviceError, SettingsError

# contracts/segmentation.schema.json: the segmentTumour input and result both workers check.
CONTRACT_VARIABLE = "OSTEOFLOW_SEGMENT_CONTRACT"
# models/segmentation/sidecar.schema.json: the schema of a model package's model.json.
SIDECAR_SCHEMA_VARIABLE = "OSTEOFLOW_SIDECAR_SCHEMA"
# Comma-separated model folders; the first is the default model.
MODELS_VARIABLE = "OSTEOFLOW_TORCH_MODELS"
DEFAULT_TASK_QUEUE = "osteoflow-segmentation"  # contracts/taskQueues.ts


def required_file(env: Mapping[str, str], name: str, what: str) -> Path:
    """The file the variable `name` names, resolved; unset, empty or not a file: a SettingsError naming the variable."""
    text = env.get(name, "").strip()
    if not text:
        raise SettingsError(f"{name} is not set", field=name, expected=f"the path of {what} (ops/torchWorker.ts sets it)")
    path = Path(text).resolve()
    if not path.is_file():
        raise SettingsError(f"{name}={text!r}: no such file", file=str(path), field=name, expected=f"the path of {what}")
    return path


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
    api_key: str | None = None
    tls: dict = field(default_factory=dict)
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
        codec_keys_file=str(required_file(env, "OSTEOFLOW_CODEC_KEYS", "the codec key file"))
        if env.get("OSTEOFLOW_CODEC_KEYS", "").strip()
        else None,
    )
