"""Shared fixtures: the repository the worker serves (the `osteoflow_repository` setting in pyproject.toml), the
environment ops/torchWorker.ts hands the worker, the shipped model loaded once on the CPU, and small images written
with SimpleITK (the segmentation quality itself is checked against the TypeScript worker and the generator's truth in
tests/integration/torchParity.test.ts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import torch

from osteoflow_torch.settings import CONTRACT_VARIABLE, MODELS_VARIABLE, SIDECAR_SCHEMA_VARIABLE

torch.set_num_threads(2)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "osteoflow_repository",
        type="paths",
        help="the osteoflow repository whose contract, sidecar schema and models the tests hand to the worker",
    )


@pytest.fixture(scope="session")
def repository(pytestconfig: pytest.Config) -> Path:
    paths = pytestconfig.getini("osteoflow_repository")
    if not paths:
        pytest.fail("osteoflow_repository is not set: workers/torch/pyproject.toml [tool.pytest.ini_options] names the repository")
    root = Path(paths[0]).resolve()
    if not (root / "contracts" / "segmentation.schema.json").is_file():
        pytest.fail(f"osteoflow_repository = {root} is not the osteoflow repository (no contracts/segmentation.schema.json)")
    return root


@pytest.fixture(scope="session")
def worker_dir(repository: Path) -> Path:
    return repository / "workers" / "torch"


@pytest.fixture(scope="session")
def shipped_model_dir(repository: Path) -> Path:
    return repository / "models" / "segmentation" / "packages" / "osteoflow-tumour-unet3d-1.0.0"


@pytest.fixture(scope="session")
def sidecar_schema(repository: Path) -> Path:
    return repository / "models" / "segmentation" / "sidecar.schema.json"


@pytest.fixture(scope="session")
def worker_env(repository: Path, shipped_model_dir: Path, sidecar_schema: Path) -> dict[str, str]:
    """The repository's files as ops/torchWorker.ts (torchWorkerEnv) names them to the worker."""
    return {
        CONTRACT_VARIABLE: str(repository / "contracts" / "segmentation.schema.json"),
        SIDECAR_SCHEMA_VARIABLE: str(sidecar_schema),
        MODELS_VARIABLE: str(shipped_model_dir),
    }


@pytest.fixture(scope="session")
def cpu_server(worker_env: dict[str, str]):
    from osteoflow_torch.server import ModelServer
    from osteoflow_torch.settings import load_settings

    return ModelServer(load_settings({**worker_env, "OSTEOFLOW_TORCH_DEVICE": "cpu"}))


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
        images = [
            {"modality": m, "path": write_image(tmp_path / f"{m}.nii.gz", seed=i, **images_kwargs), "sha256": "0" * 64}
            for i, m in enumerate(modalities)
        ]
        return {
            "contractVersion": 1,
            "studyId": "UNIT",
            "pseudonym": "SYN-001",
            "timepoint": "baseline",
            "images": images,
            "outDir": str(tmp_path / "out"),
        }

    return make
