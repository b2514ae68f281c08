"""The worker's device: chosen by setting (`cpu`, `cuda`, `cuda:N`), checked at start; the precision a model runs in;
how much memory the class sums of one volume may take there; and a network call that splits its batch when the GPU
runs out of memory instead of crashing the worker."""

from __future__ import annotations

import re
from collections.abc import Callable

import torch

from .errors import DeviceError, SegmentationInputError

Precision = str  # 'fp32' | 'fp16' | 'bf16'


def parse_device(text: str, setting: str = "OSTEOFLOW_TORCH_DEVICE") -> torch.device:
    """`cpu`, `cuda` (= cuda:0) or `cuda:N`; a CUDA device this host does not have is refused with what it has."""
    match = re.fullmatch(r"cpu|cuda(?::(\d+))?", text.strip())
    if not match:
        raise DeviceError(f"{setting}={text!r} is not a device", field=setting, expected="cpu, cuda or cuda:N")
    if text.strip() == "cpu":
        return torch.device("cpu")
    index = int(match.group(1) or 0)
    if not torch.cuda.is_available():
        why = "this torch build has no CUDA" if torch.version.cuda is None else "no CUDA device is visible (driver, CUDA_VISIBLE_DEVICES)"
        raise DeviceError(
            f"{setting}={text!r} asks for a CUDA device, but {why} (torch {torch.__version__})",
            field=setting,
            expected="cpu, or a CUDA device on a host with a CUDA build of torch",
        )
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceError(
            f"{setting}={text!r}: this host has {count} CUDA device(s), cuda:0 … cuda:{count - 1}",
            field=setting,
            expected=f"cuda:0 … cuda:{count - 1}",
        )
    return torch.device("cuda", index)


def device_name(device: torch.device) -> str:
    return "cpu" if device.type == "cpu" else f"cuda:{device.index if device.index is not None else 0}"


def choose_precision(setting: str, device: torch.device, model_allows_half: bool, model: str) -> Precision:
    """auto: fp16 on a CUDA device when the model says half precision gives its masks, else fp32. An explicit fp16 or
    bf16 the model or device cannot honour is refused at start."""
    if setting == "auto":
        return "fp16" if device.type == "cuda" and model_allows_half else "fp32"
    if setting == "fp32":
        return "fp32"
    if not model_allows_half:
        raise DeviceError(
            f"model {model} is not marked for half precision (inference.halfPrecision)",
            field="OSTEOFLOW_TORCH_PRECISION",
            expected="auto or fp32",
        )
    if setting == "fp16" and device.type != "cuda":
        raise DeviceError("fp16 needs a CUDA device", field="OSTEOFLOW_TORCH_PRECISION", expected="auto, fp32 or bf16 on the CPU")
    return setting


def autocast_dtype(precision: Precision) -> torch.dtype | None:
    return {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision)


def precision_runner(
    network: Callable[[torch.Tensor], torch.Tensor], device: torch.device, precision: Precision
) -> Callable[[torch.Tensor], torch.Tensor]:
    """The network called under autocast for fp16 / bf16, plainly for fp32."""
    dtype = autocast_dtype(precision)
    if dtype is None:
        return network

    def run(batch: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device.type, dtype=dtype):
            return network(batch)

    return run


def available_bytes(device: torch.device, limit_mb: int | None) -> int:
    """Memory the class sums may use on `device`: the setting's cap when given, else 80 % of what is free now."""
    if limit_mb is not None:
        return limit_mb * 1024 * 1024
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free * 0.8)
    return int(_host_available() * 0.8)


def _host_available() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 1 << 62


def accumulation_device(device: torch.device, need: int, limit_mb: int | None, image: str) -> torch.device:
    """Where the class sums of a volume live: on the device when they fit, else on the host (windows still run on the
    device). Neither: a clear error naming the image, instead of a worker killed by the kernel or CUDA."""
    if need <= available_bytes(device, limit_mb):
        return device
    if device.type == "cuda" and need <= available_bytes(torch.device("cpu"), None):
        return torch.device("cpu")
    have = available_bytes(device if device.type == "cpu" else torch.device("cpu"), limit_mb if device.type == "cpu" else None)
    raise SegmentationInputError(
        f"image {image} is too large for this worker: "
        f"its input and class sums need {need / 2**20:.0f} MiB, {have / 2**20:.0f} MiB are available",
        file=image,
        field="size",
        expected="a smaller field of view, or a worker with more memory (OSTEOFLOW_TORCH_MEMORY_LIMIT_MB)",
    )


def is_out_of_memory(err: BaseException) -> bool:
    return isinstance(err, torch.cuda.OutOfMemoryError) or (isinstance(err, RuntimeError) and "out of memory" in str(err).lower())


def splitting_on_oom(run: Callable[[torch.Tensor], torch.Tensor], device: torch.device) -> Callable[[torch.Tensor], torch.Tensor]:
    """Runs a batch; when the device runs out of memory, frees its cache and runs the two halves, down to one window.
    One window that does not fit is a clear error (the patch is the model's, not the image's)."""

    def call(batch: torch.Tensor) -> torch.Tensor:
        try:
            return run(batch)
        except Exception as err:  # noqa: BLE001 — only out-of-memory is handled here
            if not is_out_of_memory(err):
                raise
            if device.type == "cuda":
                torch.cuda.empty_cache()
            if batch.shape[0] == 1:
                raise SegmentationInputError(
                    f"one window of {tuple(batch.shape[1:])} does not fit in the memory of {device_name(device)}: {err}",
                    field="device",
                    expected="a device with more free memory, or OSTEOFLOW_TORCH_DEVICE=cpu",
                ) from err
            half = batch.shape[0] // 2
            return torch.cat([call(batch[:half]), call(batch[half:])])

    return call
