"""One loader for both kinds of model folder the worker serves, told apart by their files."""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import SegmentationModelError
from .base import LoadedModel, SegmentOutcome
from .package import is_package_folder, load_package

__all__ = ["LoadedModel", "SegmentOutcome", "load_model"]


def load_model(
    folder: str, *, device: torch.device, sidecar_schema: Path, precision: str = "auto", memory_limit_mb: int | None = None
) -> LoadedModel:
    """An osteoflow package (model.json, checked against the `sidecar_schema` file) or an nnU-Net v2 trained-model folder
    (plans.json, dataset.json, fold_N)."""
    path = Path(folder).resolve()
    if not path.is_dir():
        raise SegmentationModelError(
            "model folder not found", file=str(path), expected="an osteoflow model package or an nnU-Net v2 trained-model folder"
        )
    if is_package_folder(path):
        return load_package(
            path, device=device, sidecar_schema=sidecar_schema, precision_setting=precision, memory_limit_mb=memory_limit_mb
        )
    from .nnunet import is_nnunet_folder, load_nnunet_folder  # nnU-Net's import costs seconds: only when needed

    if is_nnunet_folder(path):
        if precision not in ("auto", "fp16" if device.type == "cuda" else "fp32"):
            raise SegmentationModelError(
                f"nnU-Net's predictor runs {'fp16 (autocast)' if device.type == 'cuda' else 'fp32'} on {device.type}; "
                f"OSTEOFLOW_TORCH_PRECISION={precision} cannot be honoured",
                file=str(path),
                field="OSTEOFLOW_TORCH_PRECISION",
                expected="auto",
            )
        return load_nnunet_folder(str(path), device=device)
    present = ", ".join(sorted(p.name for p in path.iterdir())[:12]) or "nothing"
    raise SegmentationModelError(
        f"not a model folder (it holds {present})",
        file=str(path),
        expected="model.json + model.torchscript.pt (an osteoflow package), "
        "or dataset.json + plans.json + fold_N/checkpoint_final.pth (nnU-Net v2)",
    )
