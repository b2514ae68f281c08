"""The committed tiny nnU-Net v2 folder (models/segmentation/nnunet/, a test fixture of the format, not a clinical
model) loaded through osteoflow_torch.models.nnunet and nnU-Net's own predictor on the CPU: Dice on held-out synthetic
visits, progress and stopping between network passes, and a clear SegmentationModelError for each kind of bad folder.

Test images come from the study's generator through workers/torch/tests/render_visit.ts (npx tsx, repo root)."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import torch

from osteoflow_torch.errors import SegmentationModelError, WorkerShuttingDown
from osteoflow_torch.models.nnunet import is_nnunet_folder, load_nnunet_folder

# The committed folder and the visit renderer, inside the repository (the `repository` fixture, tests/conftest.py).
MODEL_FOLDER = Path("models/segmentation/nnunet/Dataset501_OsteoSynth/nnUNetTrainer_5epochs__nnUNetPlans__3d_fullres")
RENDER_VISIT = Path("workers/torch/tests/render_visit.ts")
HELD_OUT_SEED = 4242  # never used for training (the fixture was trained on seed 611)
PATIENTS = 3
VISITS = [("SYN-001", "baseline"), ("SYN-002", "preop")]
# Measured with this loader (= nnU-Net's predictor, no TTA) on the CPU when the fixture was trained, see
# models/segmentation/nnunet/README.md: SYN-001/baseline 0.941, SYN-002/preop 0.974 (identical, voxel for voxel, to
# nnUNetv2_predict_from_modelfolder on the same visits as files). The bar sits 0.05 below the lower of the two, so a
# broken conversion (axes, spacing, channel order) or a wrong checkpoint fails it.
MIN_DICE = 0.89
WINDOWS = 4  # the 32 × 64 × 64 (z, y, x) volume under the plans' 32 × 48 × 48 patch at tile step 0.5


def _dice(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0, b > 0
    total = a.sum() + b.sum()
    return 1.0 if total == 0 else float(2 * np.logical_and(a, b).sum() / total)


@pytest.fixture(scope="session")
def model_dir(repository: Path) -> Path:
    return repository / MODEL_FOLDER


@pytest.fixture(scope="session")
def visits(tmp_path_factory: pytest.TempPathFactory, repository: Path) -> dict[tuple[str, str], dict[str, sitk.Image]]:
    npx = shutil.which("npx")
    if npx is None or not (repository / "node_modules" / "tsx").exists():
        pytest.fail("needs node with the repository's node_modules (npx tsx) to render the synthetic visits: run npm ci first")
    out: dict[tuple[str, str], dict[str, sitk.Image]] = {}
    for pseudonym, timepoint in VISITS:
        folder = tmp_path_factory.mktemp(f"{pseudonym}_{timepoint}")
        run = subprocess.run(
            [
                npx,
                "tsx",
                str(repository / RENDER_VISIT),
                "--seed",
                str(HELD_OUT_SEED),
                "--patients",
                str(PATIENTS),
                "--pseudonym",
                pseudonym,
                "--timepoint",
                timepoint,
                "--modalities",
                "T1CE,T2",
                "--out",
                str(folder),
            ],
            cwd=repository,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        files = json.loads(run.stdout.strip().splitlines()[-1])["files"]
        out[(pseudonym, timepoint)] = {k: sitk.ReadImage(v) for k, v in files.items()}
    return out


@pytest.fixture(scope="session")
def model(model_dir: Path):
    return load_nnunet_folder(str(model_dir), device=torch.device("cpu"))


def _images(model, visit: dict[str, sitk.Image]) -> list[sitk.Image]:
    return [visit[c] for c in model.channels]


def test_the_committed_folder_is_small_and_recognised(model_dir):
    assert is_nnunet_folder(str(model_dir))
    assert not is_nnunet_folder(str(model_dir / "fold_0"))
    assert (model_dir / "fold_0" / "checkpoint_final.pth").stat().st_size <= 2 * 1024 * 1024


def test_loads_with_name_version_channels(model):
    assert model.kind == "nnunet-v2"
    assert model.name == "nnunet-dataset501_osteosynth-3d_fullres"
    assert model.version.startswith("sha-") and len(model.version) == 4 + 12
    assert model.ref == f"{model.name}@{model.version}"
    assert model.channels == ["T1CE", "T2"]
    assert model.device == "cpu" and model.precision == "fp32"
    assert model.folds == [0] and model.trainer_name == "nnUNetTrainer_5epochs"
    assert not model.postprocessing  # the fixture has no postprocessing.pkl


@pytest.mark.parametrize("visit_key", VISITS, ids=[f"{p}/{t}" for p, t in VISITS])
def test_dice_on_held_out_visits(model, visits, visit_key):
    visit = visits[visit_key]
    calls: list[tuple[int, int]] = []
    outcome = model.segment(_images(model, visit), tta=False, progress=lambda d, t: calls.append((d, t)), should_stop=lambda: False)
    mask, truth = outcome.mask, visit["mask"]
    assert mask.GetPixelID() == sitk.sitkUInt8
    assert mask.GetSize() == truth.GetSize()
    assert np.allclose(mask.GetSpacing(), visit["T1CE"].GetSpacing()) and np.allclose(mask.GetOrigin(), visit["T1CE"].GetOrigin())
    assert np.allclose(mask.GetDirection(), visit["T1CE"].GetDirection())
    score = _dice(sitk.GetArrayFromImage(mask), sitk.GetArrayFromImage(truth))
    print(f"Dice {visit_key[0]}/{visit_key[1]} (seed {HELD_OUT_SEED}): {score:.3f}")
    assert score >= MIN_DICE
    assert outcome.windows == WINDOWS and outcome.passes == WINDOWS
    assert [d for d, _ in calls] == list(range(1, outcome.passes + 1))
    assert {t for _, t in calls} == {outcome.passes}
    assert 0 < outcome.inference_ms <= outcome.total_ms


def test_mirroring_runs_every_mirror_combination(model, visits):
    visit = visits[VISITS[0]]
    calls: list[tuple[int, int]] = []
    outcome = model.segment(_images(model, visit), tta=True, progress=lambda d, t: calls.append((d, t)), should_stop=lambda: False)
    assert outcome.windows == WINDOWS and outcome.passes == WINDOWS * 8  # mirroring along z, y, x: 2³ combinations
    assert [d for d, _ in calls] == list(range(1, outcome.passes + 1)) and calls[-1] == (outcome.passes, outcome.passes)
    assert _dice(sitk.GetArrayFromImage(outcome.mask), sitk.GetArrayFromImage(visit["mask"])) >= MIN_DICE
    # use_mirroring is set per call: the next call without TTA is back to one pass per window
    again = model.segment(_images(model, visit), tta=False, progress=lambda d, t: None, should_stop=lambda: False)
    assert again.passes == WINDOWS


def test_should_stop_raises_worker_shutting_down(model, visits):
    images = _images(model, visits[VISITS[0]])
    calls: list[tuple[int, int]] = []
    with pytest.raises(WorkerShuttingDown):
        model.segment(images, tta=False, progress=lambda d, t: calls.append((d, t)), should_stop=lambda: len(calls) >= 2)
    assert calls == [(1, WINDOWS), (2, WINDOWS)]
    # the model is still usable afterwards
    assert model.segment(images, tta=False, progress=lambda d, t: None, should_stop=lambda: False).passes == WINDOWS


# --- bad folders: each a copy of the committed one, broken in one way -----------------------------------------------


def _copy(model_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "Dataset501_OsteoSynth" / model_dir.name
    shutil.copytree(model_dir, folder)
    return folder


def _rewrite_json(path: Path, edit) -> None:
    value = json.loads(path.read_text(encoding="utf-8"))
    edit(value)
    path.write_text(json.dumps(value), encoding="utf-8")


def _rewrite_checkpoint(path: Path, edit) -> None:
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    edit(ckpt)
    torch.save(ckpt, path)


def _break_missing_dataset_json(f: Path):
    (f / "dataset.json").unlink()


def _break_missing_plans_json(f: Path):
    (f / "plans.json").unlink()


def _break_no_fold(f: Path):
    shutil.rmtree(f / "fold_0")


def _break_no_checkpoint(f: Path):
    (f / "fold_0" / "checkpoint_final.pth").rename(f / "fold_0" / "checkpoint_best.pth")


def _break_corrupt_checkpoint(f: Path):
    path = f / "fold_0" / "checkpoint_final.pth"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _break_not_a_checkpoint(f: Path):
    torch.save({"weights": {}}, f / "fold_0" / "checkpoint_final.pth")


def _break_unknown_trainer(f: Path):
    _rewrite_checkpoint(f / "fold_0" / "checkpoint_final.pth", lambda c: c.update(trainer_name="nnUNetTrainer_DoesNotExist"))


def _break_no_channel_names(f: Path):
    _rewrite_json(f / "dataset.json", lambda d: d.pop("channel_names"))


def _break_configuration_missing(f: Path):
    _rewrite_json(f / "plans.json", lambda p: p["configurations"].update({"3d_other": p["configurations"].pop("3d_fullres")}))


def _break_weights_do_not_fit(f: Path):
    def shrink(p):
        p["configurations"]["3d_fullres"]["architecture"]["arch_kwargs"]["features_per_stage"] = [4, 8, 16, 16]

    _rewrite_json(f / "plans.json", shrink)


BAD_FOLDERS = {
    "missing dataset.json": (_break_missing_dataset_json, ["no dataset.json"]),
    "missing plans.json": (_break_missing_plans_json, ["no plans.json"]),
    "no fold folder": (_break_no_fold, ["no fold_N folder"]),
    "fold without checkpoint": (_break_no_checkpoint, ["fold_0 has no checkpoint_final.pth"]),
    "corrupt checkpoint": (_break_corrupt_checkpoint, ["fold_0/checkpoint_final.pth cannot be loaded"]),
    "not an nnU-Net checkpoint": (_break_not_a_checkpoint, ["is not an nnU-Net checkpoint", "network_weights"]),
    "unknown trainer": (_break_unknown_trainer, ["trainer class 'nnUNetTrainer_DoesNotExist'", "not known to nnunetv2"]),
    "dataset.json without channel_names": (_break_no_channel_names, ["dataset.json has no channel_names"]),
    "configuration missing from plans": (_break_configuration_missing, ["configuration '3d_fullres'", "missing from plans.json"]),
    "weights that do not fit the plans": (_break_weights_do_not_fit, ["could not build the network", "plans.json"]),
}


@pytest.mark.parametrize("case", list(BAD_FOLDERS), ids=list(BAD_FOLDERS))
def test_bad_folder_is_a_segmentation_model_error_naming_what_is_wrong(model_dir, tmp_path, case):
    breaker, phrases = BAD_FOLDERS[case]
    folder = _copy(model_dir, tmp_path)
    breaker(folder)
    with pytest.raises(SegmentationModelError) as raised:
        load_nnunet_folder(str(folder), device=torch.device("cpu"))
    message = str(raised.value)
    assert str(folder) in message
    for phrase in phrases:
        assert phrase in message


def test_missing_folder_and_unknown_fold(model_dir, tmp_path):
    with pytest.raises(SegmentationModelError, match="does not exist"):
        load_nnunet_folder(str(tmp_path / "nowhere"), device=torch.device("cpu"))
    with pytest.raises(SegmentationModelError, match="has no fold_3 folder"):
        load_nnunet_folder(str(model_dir), device=torch.device("cpu"), folds=(3,))
    assert not is_nnunet_folder(str(tmp_path / "nowhere"))


def test_postprocessing_pkl_is_applied_when_present(model_dir, tmp_path, model, visits):
    """nnU-Net's postprocessing.pkl (pp_fns, pp_fn_kwargs) is applied after prediction when the folder has one."""
    from nnunetv2.postprocessing.remove_connected_components import remove_all_but_largest_component_from_segmentation

    folder = _copy(model_dir, tmp_path)
    with open(folder / "postprocessing.pkl", "wb") as f:
        pickle.dump(([remove_all_but_largest_component_from_segmentation], [{"labels_or_regions": [1]}]), f)
    with_pp = load_nnunet_folder(str(folder), device=torch.device("cpu"))
    assert with_pp.postprocessing
    images = _images(model, visits[VISITS[0]])
    plain = sitk.GetArrayFromImage(model.segment(images, tta=False, progress=lambda d, t: None, should_stop=lambda: False).mask)
    kept = sitk.GetArrayFromImage(with_pp.segment(images, tta=False, progress=lambda d, t: None, should_stop=lambda: False).mask)
    assert np.array_equal(kept, remove_all_but_largest_component_from_segmentation(plain, [1]))
    components = sitk.GetArrayFromImage(sitk.ConnectedComponent(sitk.GetImageFromArray(kept), True))
    assert components.max() == (1 if kept.any() else 0)


def test_runs_through_the_activity_beside_the_shipped_package(worker_env, shipped_model_dir, model_dir, visits, storage, tmp_path):
    """The folder served by a worker with two models, picked by name in the contract input, images read from files
    as the activity reads them; the result passes the contract and records nnU-Net as the runtime."""
    from osteoflow_torch.activity import segment
    from osteoflow_torch.errors import SegmentationInputError
    from osteoflow_torch.server import ModelServer
    from osteoflow_torch.settings import MODELS_VARIABLE, load_settings

    server = ModelServer(
        load_settings({**worker_env, "OSTEOFLOW_TORCH_DEVICE": "cpu", MODELS_VARIABLE: f"{shipped_model_dir},{model_dir}"})
    )
    nnunet = server.models[1]
    visit = visits[VISITS[0]]
    files = {}
    for modality in ("T1CE", "T2"):
        files[modality] = str(tmp_path / f"{modality}.nii.gz")
        sitk.WriteImage(visit[modality], files[modality])
    request = {
        "contractVersion": 1,
        "studyId": "UNIT",
        "pseudonym": VISITS[0][0],
        "timepoint": VISITS[0][1],
        "model": nnunet.name,
        "images": [{"modality": m, "path": p, "sha256": "0" * 64} for m, p in files.items()],
        "outDir": str(tmp_path / "out"),
    }
    result = segment(request, server, storage)
    assert server.contract.problems("result", result) == ""
    assert result["model"] == {"name": "nnunet-dataset501_osteosynth-3d_fullres", "version": nnunet.version}
    assert result["runtime"].startswith("torch 2.13.0") and result["runtime"].endswith("+ nnunetv2")
    assert (result["windows"], result["passes"], result["precision"]) == (WINDOWS, WINDOWS, "fp32")
    assert result["mask"]["path"] == str(
        tmp_path / "out" / f"mask.auto.{nnunet.name}-{nnunet.version}-{result['mask']['sha256'][:12]}.nii.gz"
    )
    mask = sitk.GetArrayFromImage(sitk.ReadImage(result["mask"]["path"]))
    assert _dice(mask, sitk.GetArrayFromImage(visit["mask"])) >= MIN_DICE
    # A timepoint without one of the folder's channels (dataset.json channel_names) is refused by name.
    request["images"] = request["images"][:1]
    with pytest.raises(SegmentationInputError, match=r"needs T1CE \+ T2; the timepoint has no T2"):
        segment(request, server, storage)
