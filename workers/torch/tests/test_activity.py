"""The activity body and the worker's start-up checks on bad input: each refused with the field and what was expected,
never a crashed worker. Inputs come as the timeline sends them now (store-relative paths and their blobs) and as
earlier versions scheduled them (absolute paths)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import torch
from conftest import write_series

from osteoflow_torch.activity import segment
from osteoflow_torch.blobs import BlobNotFoundError, ManifestError, put_folder
from osteoflow_torch.devices import parse_device, splitting_on_oom
from osteoflow_torch.errors import DeviceError, SegmentationInputError, SegmentationModelError, SettingsError, WorkerShuttingDown
from osteoflow_torch.models.package import load_package
from osteoflow_torch.server import ModelServer
from osteoflow_torch.settings import CONTRACT_VARIABLE, MODELS_VARIABLE, SIDECAR_SCHEMA_VARIABLE, load_settings


def sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_store_relative_images_are_laid_out_from_the_blob_store_and_the_mask_put_there(cpu_server, request_for, storage):
    """As the timeline sends it: names relative to the study folder with their addresses; the files exist only as blobs."""
    legacy = request_for()
    request = {**legacy, "studyId": "REL", "outDir": "SYN-001/baseline"}
    request["images"] = []
    for image in legacy["images"]:
        ref = storage.put(image["path"])
        assert ref.sha256 == sha256_of(image["path"])
        request["images"].append(
            {"modality": image["modality"], "path": f"SYN-001/baseline/{image['modality']}-{ref.sha256[:12]}.nii.gz", "sha256": ref.sha256}
        )
    result = segment(request, cpu_server, storage)
    assert cpu_server.contract.problems("result", result) == ""
    sha = result["mask"]["sha256"]
    assert result["mask"]["path"] == f"SYN-001/baseline/mask.auto.osteoflow-tumour-unet3d-1.0.0-{sha[:12]}.nii.gz"
    written = storage.study_root / "REL" / result["mask"]["path"]
    assert sha256_of(written) == sha and sha256_of(storage.blobs.fetch(sha)) == sha
    # The images were laid out in the worker's own study folder, from their blobs.
    for image in request["images"]:
        assert sha256_of(storage.study_root / "REL" / image["path"]) == image["sha256"]
    mask = sitk.ReadImage(str(written))  # the same bytes as the blob (checked above)
    source = sitk.ReadImage(legacy["images"][0]["path"])
    assert mask.GetSize() == source.GetSize() and int(np.count_nonzero(sitk.GetArrayViewFromImage(mask))) == result["tumourVoxels"]
    assert [n for n in os.listdir(written.parent) if n.startswith(".")] == []  # no partial mask left


def test_a_dicom_series_stored_as_a_folder_manifest_is_segmented_on_its_grid(cpu_server, request_for, storage, tmp_path):
    legacy = request_for()
    t1ce = sitk.ReadImage(legacy["images"][0]["path"])
    write_series(tmp_path / "T1CE-series", np.round(sitk.GetArrayFromImage(t1ce)).astype(np.int16))
    series = put_folder(storage.blobs, tmp_path / "T1CE-series")
    t2 = storage.put(legacy["images"][1]["path"])
    request = {
        **legacy,
        "studyId": "DICOM",
        "outDir": "SYN-002/mid",
        "images": [
            {"modality": "T1CE", "path": f"SYN-002/mid/T1CE-{series.sha256[:12]}", "sha256": series.sha256},
            {"modality": "T2", "path": f"SYN-002/mid/T2-{t2.sha256[:12]}.nii.gz", "sha256": t2.sha256},
        ],
    }
    result = segment(request, cpu_server, storage)
    laid_out = storage.study_root / "DICOM" / request["images"][0]["path"]
    assert sorted(os.listdir(laid_out)) == sorted(os.listdir(tmp_path / "T1CE-series"))
    mask = sitk.ReadImage(str(storage.study_root / "DICOM" / result["mask"]["path"]))
    assert mask.GetSize() == t1ce.GetSize() and np.allclose(mask.GetSpacing(), t1ce.GetSpacing())
    assert result["tumourVoxels"] > 0 and storage.blobs.has(result["mask"]["sha256"])
    # A series name whose address is a single file's is refused with the manifest's first line.
    request["images"][0]["sha256"] = t2.sha256
    with pytest.raises(ManifestError, match=f"folder manifest {t2.sha256}, line 1: .* is not a manifest line"):
        segment({**request, "studyId": "DICOM2"}, cpu_server, storage)


def test_a_good_request_gives_a_contract_result_and_a_mask_on_the_first_images_grid(cpu_server, request_for, storage):
    """As earlier versions scheduled it: absolute paths, used as they are; the mask still goes into the blob store."""
    request = request_for()
    result = segment(request, cpu_server, storage)
    assert cpu_server.contract.problems("result", result) == ""
    assert result["device"] == "cpu" and result["precision"] == "fp32" and result["runtime"].startswith("torch 2.13.0")
    assert "fallback" not in result  # the CPU was asked for
    sha = result["mask"]["sha256"]
    assert result["mask"]["path"] == os.path.join(request["outDir"], f"mask.auto.osteoflow-tumour-unet3d-1.0.0-{sha[:12]}.nii.gz")
    assert sha256_of(result["mask"]["path"]) == sha and storage.blobs.has(sha)
    mask = sitk.ReadImage(result["mask"]["path"])
    image = sitk.ReadImage(request["images"][0]["path"])
    assert mask.GetSize() == image.GetSize() and mask.GetSpacing() == image.GetSpacing()
    assert int(np.count_nonzero(sitk.GetArrayViewFromImage(mask))) == result["tumourVoxels"]
    # 64×64×32 under a 48×48×32 patch at overlap 0.5: 2 × 2 × 1 windows
    assert (result["windows"], result["passes"]) == (4, 4)


def test_a_relative_image_whose_blob_is_missing_is_named(cpu_server, request_for, storage):
    request = {**request_for(), "outDir": "SYN-001/baseline"}
    request["images"][0] = {"modality": "T1CE", "path": "SYN-001/baseline/T1CE-0123456789ab.nii.gz", "sha256": "ab" * 32}
    with pytest.raises(BlobNotFoundError, match=f"blob {'ab' * 32} in the blob folder .*: no such blob"):
        segment(request, cpu_server, storage)


def test_progress_is_reported_per_batch_and_a_stop_hands_the_work_back(cpu_server, request_for, storage):
    seen = []
    segment(request_for(), cpu_server, storage, tta_default=True, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, 32) for n in range(4, 33, 4)]  # 4 windows × 8 mirrorings, batches of 4
    with pytest.raises(WorkerShuttingDown, match="after 0 of 4"):
        segment(request_for(), cpu_server, storage, should_stop=lambda: True)


def test_a_model_whose_channels_the_timepoint_lacks_is_refused_by_name(cpu_server, request_for, storage):
    with pytest.raises(SegmentationInputError) as caught:
        segment(request_for(modalities=("CT",)), cpu_server, storage)
    message = str(caught.value)
    assert "needs T1CE + T2" in message and "has no T1CE, T2" in message and "it has CT" in message and "field: images" in message


def test_input_that_breaks_the_contract_names_the_field(cpu_server, request_for, storage):
    request = request_for()
    del request["outDir"]
    with pytest.raises(SegmentationInputError, match="'outDir' is a required property"):
        segment(request, cpu_server, storage)


def test_a_missing_image_file_is_named(cpu_server, request_for, storage):
    request = request_for()
    request["images"][1]["path"] = "/nonexistent/T2.nii.gz"
    with pytest.raises(SegmentationInputError, match=r"the T2 image is not there; file: /nonexistent/T2.nii.gz"):
        segment(request, cpu_server, storage)


def test_an_image_smaller_than_the_patch_is_refused(cpu_server, request_for, storage):
    with pytest.raises(SegmentationInputError, match=r"smaller than the 48×48×32 patch along z"):
        segment(request_for(size=(64, 64, 16)), cpu_server, storage)


def test_an_image_too_large_for_the_memory_given_is_a_clear_error_not_a_crash(worker_env, request_for, storage):
    server = ModelServer(load_settings({**worker_env, "OSTEOFLOW_TORCH_DEVICE": "cpu", "OSTEOFLOW_TORCH_MEMORY_LIMIT_MB": "1"}))
    request = request_for()
    with pytest.raises(SegmentationInputError) as caught:
        segment(request, server, storage)
    assert "too large for this worker" in str(caught.value) and request["images"][0]["path"] in str(caught.value)
    # The same worker still serves a request that fits once the limit allows it.
    server.models[0].memory_limit_mb = 64
    assert segment(request, server, storage)["tumourVoxels"] > 0


def test_out_of_memory_splits_the_batch_down_to_one_window_then_says_so():
    calls = []

    def network(batch: torch.Tensor) -> torch.Tensor:
        calls.append(batch.shape[0])
        if batch.shape[0] > 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return batch * 2

    batch = torch.arange(8, dtype=torch.float32).reshape(4, 2)
    assert torch.equal(splitting_on_oom(network, torch.device("cpu"))(batch), batch * 2)
    assert calls == [4, 2, 1, 1, 2, 1, 1]

    def never_fits(batch: torch.Tensor) -> torch.Tensor:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")

    with pytest.raises(SegmentationInputError, match="one window of .* does not fit in the memory of cpu"):
        splitting_on_oom(never_fits, torch.device("cpu"))(batch)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("cuda:3", "asks for a CUDA device, but this torch build has no CUDA"),
        ("cuda", "asks for a CUDA device"),
        ("gpu0", "is not a device"),
    ],
)
def test_a_device_this_host_does_not_have_is_refused(setting, message):
    with pytest.raises(DeviceError, match=message) as caught:
        parse_device(setting)
    assert "OSTEOFLOW_TORCH_DEVICE" in str(caught.value)


def run_worker(worker_dir: Path, env: dict[str, str], command: str = "worker") -> subprocess.CompletedProcess:
    """`python -m osteoflow_torch COMMAND` as ops/torchWorker.ts starts it, with exactly the worker settings given."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OSTEOFLOW_")}
    env = {**inherited, **env, "PYTHONPATH": str(worker_dir)}
    return subprocess.run(
        [sys.executable, "-m", "osteoflow_torch", command], cwd=worker_dir, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_worker_refuses_to_start_on_a_missing_cuda_device_with_one_line_and_status_2(worker_dir, worker_env):
    run = run_worker(worker_dir, {**worker_env, "OSTEOFLOW_TORCH_DEVICE": "cuda:1"})
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "DeviceError: OSTEOFLOW_TORCH_DEVICE='cuda:1' asks for a CUDA device" in run.stderr


def test_the_worker_refuses_to_start_without_a_path_the_launcher_sets_naming_the_variable(worker_dir, worker_env):
    run = run_worker(worker_dir, {k: v for k, v in worker_env.items() if k != CONTRACT_VARIABLE}, command="check")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert f"SettingsError: {CONTRACT_VARIABLE} is not set" in run.stderr and f"field: {CONTRACT_VARIABLE}" in run.stderr


def test_bad_and_missing_settings_are_named(worker_env, tmp_path):
    with pytest.raises(DeviceError, match="OSTEOFLOW_TORCH_CONCURRENCY must be an integer ≥ 1, got '0'"):
        load_settings({**worker_env, "OSTEOFLOW_TORCH_CONCURRENCY": "0"})
    with pytest.raises(DeviceError, match="OSTEOFLOW_TORCH_PRECISION must be auto, fp32, fp16 or bf16"):
        load_settings({**worker_env, "OSTEOFLOW_TORCH_PRECISION": "half"})
    nowhere = str(tmp_path / "nowhere.schema.json")
    for name in (CONTRACT_VARIABLE, SIDECAR_SCHEMA_VARIABLE, MODELS_VARIABLE):
        with pytest.raises(SettingsError, match=f"{name} is not set.*field: {name}"):
            load_settings({k: v for k, v in worker_env.items() if k != name})
    for name in (CONTRACT_VARIABLE, SIDECAR_SCHEMA_VARIABLE):
        with pytest.raises(SettingsError, match=f"{name}='.*nowhere.schema.json': no such file.*field: {name}"):
            load_settings({**worker_env, name: nowhere})


def test_half_precision_is_refused_where_the_model_or_device_cannot_honour_it(shipped_model_dir, sidecar_schema):
    with pytest.raises(DeviceError, match="fp16 needs a CUDA device|not marked for half precision"):
        load_package(shipped_model_dir, device=torch.device("cpu"), sidecar_schema=sidecar_schema, precision_setting="fp16")


def copy_package(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def rewrite_sidecar(folder: Path, change) -> None:
    sidecar = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    change(sidecar)
    (folder / "model.json").write_text(json.dumps(sidecar), encoding="utf-8")


def test_bad_model_packages_are_refused_naming_file_and_field(shipped_model_dir, sidecar_schema, tmp_path):
    cpu = torch.device("cpu")
    missing = copy_package(shipped_model_dir, tmp_path / "missing-sidecar")
    (missing / "model.json").unlink()
    with pytest.raises(SegmentationModelError, match="not a model folder"):
        from osteoflow_torch.models import load_model

        load_model(str(missing), device=cpu, sidecar_schema=sidecar_schema)

    no_torchscript = copy_package(shipped_model_dir, tmp_path / "no-torchscript")
    rewrite_sidecar(no_torchscript, lambda s: s["files"].pop("torchscript"))
    with pytest.raises(SegmentationModelError, match="has no TorchScript network.*field: files.torchscript"):
        load_package(no_torchscript, device=cpu, sidecar_schema=sidecar_schema)

    altered = copy_package(shipped_model_dir, tmp_path / "altered")
    with open(altered / "model.torchscript.pt", "ab") as f:
        f.write(b"x")
    with pytest.raises(SegmentationModelError, match="differs from the sidecar's.*field: files.torchscript.sha256"):
        load_package(altered, device=cpu, sidecar_schema=sidecar_schema)

    bad_schema = copy_package(shipped_model_dir, tmp_path / "bad-schema")
    rewrite_sidecar(bad_schema, lambda s: s["input"].pop("patchSize"))
    with pytest.raises(SegmentationModelError, match="input: 'patchSize' is a required property"):
        load_package(bad_schema, device=cpu, sidecar_schema=sidecar_schema)

    # A sidecar that promises three channels to a two-channel network: caught by the one proving window.
    wrong_channels = copy_package(shipped_model_dir, tmp_path / "wrong-channels")
    rewrite_sidecar(wrong_channels, lambda s: s["input"]["channels"].append({"modality": "ADC", "normalisation": {"scheme": "zscore"}}))
    with pytest.raises(SegmentationModelError, match="does not run on one 3-channel 48×48×32 window"):
        load_package(wrong_channels, device=cpu, sidecar_schema=sidecar_schema)


def test_a_stopping_worker_lets_the_running_segmentation_finish_within_its_grace_period(monkeypatch):
    from osteoflow_torch import activity as activity_module

    clock = [100.0]
    monkeypatch.setattr(activity_module.time, "monotonic", lambda: clock[0])
    patient, impatient = activity_module.Shutdown(30), activity_module.Shutdown(0)
    assert not patient.expired() and not impatient.expired()  # not stopping: never hand back
    patient.begin()
    impatient.begin()
    assert impatient.expired()  # no grace: hand back at the next batch
    clock[0] += 29.9
    assert not patient.expired()  # still finishing
    clock[0] += 0.2
    assert patient.expired()
    patient.begin()  # a second signal does not restart the grace period
    assert patient.expired()
