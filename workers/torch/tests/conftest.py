"""Shared fixtures: the package importable from workers/torch, the shipped model loaded once on the CPU, and small
images written with SimpleITK (the segmentation quality itself is checked against the TypeScript worker and the
generator's truth in tests/integration/torchParity.test.ts)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def shipped_model_dir() -> Path:
    from osteoflow_torch.settings import DEFAULT_MODEL

    return DEFAULT_MODEL


@pytest.fixture(scope="session")
def cpu_server():
    from osteoflow_torch.server import ModelServer
    from osteoflow_torch.settings import load_settings

    return ModelServer(load_settings({"OSTEOFLOW_TORCH_DEVICE": "cpu"}))


def write_image(path: Path, size=(64, 64, 32), spacing=(1.5, 1.5, 3.0), seed=0) -> str:
    """A noisy image with a bright ellipsoid: enough for the network to find something."""
    rng = np.random.default_rng(seed)
    x, y, z = size
    zz, yy, xx = np.mgrid[0:z, 0:y, 0:x]
    blob = ((xx - x / 2) / (x / 6)) ** 2 + ((yy - y / 2) / (y / 6)) ** 2 + ((zz - z / 2) / (z / 5)) ** 2 < 1
    data = (rng.normal(100, 10, (z, y, x)) + 200 * blob).astype(np.float32)
    image = sitk.GetImageFromArray(data)
    image.SetSpacing(spacing)
    sitk.WriteImage(image, str(path))
    return str(path)


@pytest.fixture()
def request_for(tmp_path):
    """A contract input for the given modalities, with images written into tmp_path."""

    def make(modalities=("T1CE", "T2"), **images_kwargs) -> dict:
        images = [{"modality": m, "path": write_image(tmp_path / f"{m}.nii.gz", seed=i, **images_kwargs), "sha256": "0" * 64} for i, m in enumerate(modalities)]
        return {"contractVersion": 1, "studyId": "UNIT", "pseudonym": "SYN-001", "timepoint": "baseline", "images": images, "outDir": str(tmp_path / "out")}

    return make
