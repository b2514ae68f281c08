"""The worker's settings, from the environment; each bad value stops the worker at start, naming the variable.
The Temporal connection and task queue use the names the TypeScript side uses (config/index.ts)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DeviceError

REPO = Path(__file__).resolve().parents[3]
DEFAULT_MODEL = REPO / "models" / "segmentation" / "packages" / "osteoflow-tumour-unet3d-1.0.0"
DEFAULT_TASK_QUEUE = "osteoflow-segmentation"  # contracts/taskQueues.ts


@dataclass
class Settings:
    models: list[str]
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


def load_settings(env: dict | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    models = [str(Path(p.strip()).resolve()) for p in (env.get("OSTEOFLOW_TORCH_MODELS") or str(DEFAULT_MODEL)).split(",") if p.strip()]
    precision = env.get("OSTEOFLOW_TORCH_PRECISION") or "auto"
    if precision not in ("auto", "fp32", "fp16", "bf16"):
        raise DeviceError(f"OSTEOFLOW_TORCH_PRECISION must be auto, fp32, fp16 or bf16, got {precision!r}", field="OSTEOFLOW_TORCH_PRECISION")
    grace = env.get("OSTEOFLOW_TORCH_SHUTDOWN_GRACE_S") or "30"
    try:
        grace_s = float(grace)
        assert grace_s >= 0
    except (ValueError, AssertionError):
        raise DeviceError(f"OSTEOFLOW_TORCH_SHUTDOWN_GRACE_S must be seconds ≥ 0, got {grace!r}", field="OSTEOFLOW_TORCH_SHUTDOWN_GRACE_S") from None
    tls = {k: env[v] for k, v in (("server_name", "TEMPORAL_TLS_SERVER_NAME"), ("ca", "TEMPORAL_TLS_CA"), ("cert", "TEMPORAL_TLS_CERT"), ("key", "TEMPORAL_TLS_KEY")) if env.get(v)}
    return Settings(
        models=models,
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
    )
