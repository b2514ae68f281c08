"""Shared fixtures: the repository the worker serves (the `osteoflow_repository` setting in pyproject.toml), the
environment ops/torchWorker.ts hands the worker, the shipped model loaded once on the CPU, small images written
with SimpleITK (the segmentation quality itself is checked against the TypeScript worker and the generator's truth in
tests/integration/torchParity.test.ts), a study folder with its blob folder per test, and the TypeScript blob stores
with a throw-away PostgreSQL cluster (tests/ts_blobs.ts) to check the Python stores against."""

from __future__ import annotations

import json
import locale
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import torch

from osteoflow_torch.blobs import LocalFolderBlobStore
from osteoflow_torch.settings import (
    BLOB_DIR_VARIABLE,
    CONTRACT_VARIABLE,
    MODELS_VARIABLE,
    SIDECAR_SCHEMA_VARIABLE,
    STUDY_ROOT_VARIABLE,
)
from osteoflow_torch.storage import Storage

torch.set_num_threads(2)


def run_at_once(work, threads: int) -> list[BaseException]:
    """Runs `work` on `threads` threads released together; returns what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def body() -> None:
        start.wait()
        try:
            work()
        except BaseException as err:  # noqa: BLE001 — returned to the test
            errors.append(err)

    running = [threading.Thread(target=body) for _ in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    return errors


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
def worker_env(repository: Path, shipped_model_dir: Path, sidecar_schema: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The repository's files as ops/torchWorker.ts (torchWorkerEnv) names them to the worker, and a data folder's
    study root and blob folder."""
    data = tmp_path_factory.mktemp("data")
    return {
        CONTRACT_VARIABLE: str(repository / "contracts" / "segmentation.schema.json"),
        SIDECAR_SCHEMA_VARIABLE: str(sidecar_schema),
        MODELS_VARIABLE: str(shipped_model_dir),
        STUDY_ROOT_VARIABLE: str(data / "studies"),
        BLOB_DIR_VARIABLE: str(data / "blobs"),
    }


@pytest.fixture()
def storage(tmp_path: Path) -> Storage:
    """A study root and blob folder of the test's own, as <dataDir>/studies and <dataDir>/blobs."""
    return Storage(tmp_path / "data" / "studies", LocalFolderBlobStore(tmp_path / "data" / "blobs"))


class TsBlobs:
    """tests/ts_blobs.ts: the TypeScript blob stores, scanStore and a PostgreSQL cluster, one JSON line each way."""

    def __init__(self, repository: Path):
        npx = shutil.which("npx")
        if npx is None or not (repository / "node_modules" / "tsx").exists():
            pytest.fail("needs node with the repository's node_modules (npx tsx) for the TypeScript blob stores: run npm ci first")
        self.process = subprocess.Popen(
            [npx, "tsx", str(repository / "workers" / "torch" / "tests" / "ts_blobs.ts")],
            cwd=repository,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def call(self, op: str, **fields) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            pytest.fail(f"tests/ts_blobs.ts exited ({self.process.poll()}) on {op}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"TypeScript {op}: {answer['error']}")
        return answer["ok"]

    def close(self) -> None:
        assert self.process.stdin
        if not self.process.stdin.closed:
            self.process.stdin.close()  # the helper closes its stores and stops the cluster
        self.process.wait(timeout=120)


@pytest.fixture(scope="session")
def ts_blobs(repository: Path):
    helper = TsBlobs(repository)
    yield helper
    helper.close()


@pytest.fixture(scope="session")
def postgres_cluster(ts_blobs: TsBlobs):
    # Under /tmp itself: as root the cluster runs as the postgres user, which must reach its folder.
    folder = tempfile.mkdtemp(prefix="osteoflow-torch-pg-", dir="/tmp")
    ts_blobs.call("postgres", dir=folder)
    yield ts_blobs
    ts_blobs.close()  # stops the cluster before its folder goes
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def postgres_database(postgres_cluster: TsBlobs, request: pytest.FixtureRequest) -> str:
    """A new database of the test's own in the cluster, without the blob tables yet; its URL."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    return postgres_cluster.call("database", name=name)["url"]


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


def write_series(folder: Path, volume: np.ndarray, spacing=(1.5, 1.5, 3.0), seed: int = 0) -> None:
    """An int16 volume (z, y, x) as a DICOM series, one file per slice (IM1.dcm …), readable by GDCM as one series."""
    # GDCM's writer switches the process to the C locale (Python's default text encoding becomes ASCII): put it back.
    saved = locale.setlocale(locale.LC_ALL)
    try:
        _write_series(folder, volume, spacing, seed)
    finally:
        locale.setlocale(locale.LC_ALL, saved)


def _write_series(folder: Path, volume: np.ndarray, spacing, seed: int) -> None:
    folder.mkdir(parents=True)
    series_uid, study_uid = f"1.2.826.0.1.3680043.2.1125.{seed}.1", f"1.2.826.0.1.3680043.2.1125.{seed}.2"
    for z in range(volume.shape[0]):
        image = sitk.GetImageFromArray(volume[z : z + 1].astype(np.int16))
        image.SetSpacing(spacing)
        image.SetOrigin((0.0, 0.0, spacing[2] * z))
        for tag, value in {
            "0008|0060": "MR",
            "0020|000d": study_uid,
            "0020|000e": series_uid,
            "0008|0018": f"{series_uid}.{z + 1}",
            "0020|0013": str(z + 1),
            "0020|0032": f"0\\0\\{spacing[2] * z}",
            "0020|0037": "1\\0\\0\\0\\1\\0",
            "0018|0050": str(spacing[2]),
            "0028|0030": f"{spacing[1]}\\{spacing[0]}",
        }.items():
            image.SetMetaData(tag, value)
        writer = sitk.ImageFileWriter()
        writer.KeepOriginalImageUIDOn()
        writer.SetFileName(str(folder / f"IM{z + 1}.dcm"))
        writer.Execute(image)


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
