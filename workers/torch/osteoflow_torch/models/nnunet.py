"""nnU-Net v2 trained-model folders, run unchanged through nnU-Net's own predictor (PyPI nnunetv2, tested with 2.8.1).

A trained-model folder is what nnUNetv2_train writes to $nnUNet_results/<DatasetXXX_Name>/<trainer>__<plans>__<config>/:

    dataset.json          channel_names (index → modality), labels, file_ending
    plans.json            the plans the model was trained with (configurations, preprocessing, architecture)
    fold_<N>/checkpoint_final.pth   one per trained fold (or fold_all/); the weights, trainer name and configuration
    postprocessing.pkl    optional: nnU-Net's connected-component postprocessing, applied when present

The folder is checked here before nnU-Net sees it, so that a bad folder is reported as a SegmentationModelError naming
the folder and what is missing, not as a stack trace from deep inside nnU-Net. Then one nnUNetPredictor is built per
process (the network built as initialize_from_trained_model_folder builds it, then manual_initialization; see
find_trainer_class for why) and every segment() call reuses it.

In memory, images go in with SimpleITKIO's conventions (nnunetv2/imageio/simpleitk_reader_writer.py): a float32
array [C, z, y, x] and a properties dict with the SimpleITK geometry and the spacing reversed to (z, y, x); nnU-Net
then does its own preprocessing (crop to non-zero, resampling to the plans' spacing, normalisation), the sliding
window with Gaussian weighting, optional mirroring, and resampling of the result back to the input grid.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import SimpleITK as sitk
import torch

from ..devices import device_name
from ..errors import SegmentationInputError, SegmentationModelError, WorkerShuttingDown
from ..images import sha256_file
from .base import Precision, Progress, SegmentOutcome, ShouldStop

log = logging.getLogger(__name__)

CHECKPOINT_FINAL = "checkpoint_final.pth"
POSTPROCESSING_FILE = "postprocessing.pkl"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_FOLD_RE = re.compile(r"^fold_(\d+|all)$")

Fold = int | Literal["all"]


def is_nnunet_folder(path: str) -> bool:
    """Cheap check, no file is read: plans.json, dataset.json and at least one fold_<N> (or fold_all) folder."""
    if not os.path.isdir(path):
        return False
    if not (os.path.isfile(os.path.join(path, "plans.json")) and os.path.isfile(os.path.join(path, "dataset.json"))):
        return False
    return bool(_fold_dirs(path))


def _fold_dirs(path: str) -> dict[Fold, str]:
    folds: dict[Fold, str] = {}
    for entry in sorted(os.listdir(path)):
        match = _FOLD_RE.match(entry)
        if match and os.path.isdir(os.path.join(path, entry)):
            key = match.group(1)
            folds["all" if key == "all" else int(key)] = os.path.join(path, entry)
    return folds


def _read_json(path: str, folder: str, what: str) -> dict[str, Any]:
    if not os.path.isfile(path):
        raise SegmentationModelError(
            f"nnU-Net model folder {folder} has no {what}",
            file=path,
            field=what,
            expected=f"the {what} nnUNetv2_train copied into the trained-model folder",
        )
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except (OSError, ValueError) as e:
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: {what} cannot be read ({e})", file=path, field=what, expected="a JSON object"
        ) from e
    if not isinstance(value, dict):
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: {what} is not a JSON object", file=path, field=what, expected="a JSON object"
        )
    return value


def _model_name(dataset_name: str, configuration: str) -> str:
    name = re.sub(r"[^a-z0-9._-]+", "-", f"nnunet-{dataset_name}-{configuration}".lower()).strip("-._")[:64]
    if not _NAME_RE.match(name):  # cannot happen with the prefix above; a guard against a future edit
        raise SegmentationModelError(f"cannot derive a model name from dataset {dataset_name!r}", field="name", expected=_NAME_RE.pattern)
    return name


@dataclass
class _CheckedFolder:
    folder: str
    dataset_json: dict[str, Any]
    plans: dict[str, Any]
    folds: list[Fold]
    checkpoints: list[str]
    trainer_name: str
    configuration: str
    channels: list[str]
    mirror_axes: tuple[int, ...] | None
    postprocessing: str | None
    trainer_class: type
    # network_weights of each fold, read once by the checks
    weights: list[dict[str, Any]] = field(default_factory=list)


def _check_folder(folder: str, folds: Sequence[Fold] | None, checkpoint: str) -> _CheckedFolder:
    """Everything nnU-Net would trip over, checked in the order a person would fix it; raises SegmentationModelError."""
    if not os.path.isdir(folder):
        raise SegmentationModelError(
            f"nnU-Net model folder {folder} does not exist or is not a folder",
            file=folder,
            expected="an nnU-Net v2 trained-model folder (dataset.json, plans.json, fold_N/)",
        )
    dataset_json = _read_json(os.path.join(folder, "dataset.json"), folder, "dataset.json")
    plans = _read_json(os.path.join(folder, "plans.json"), folder, "plans.json")

    names = dataset_json.get("channel_names", dataset_json.get("modality"))  # "modality": nnU-Net's legacy key
    if not isinstance(names, dict) or not names:
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: dataset.json has no channel_names",
            file=os.path.join(folder, "dataset.json"),
            field="channel_names",
            expected='{"0": "<modality>", "1": …} naming every input channel',
        )
    try:
        order = sorted(names, key=int)
    except (TypeError, ValueError) as e:
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: dataset.json channel_names keys are not channel indices",
            file=os.path.join(folder, "dataset.json"),
            field="channel_names",
            expected='keys "0", "1", …',
        ) from e
    if [int(k) for k in order] != list(range(len(order))):
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: dataset.json channel_names are not numbered 0 … {len(order) - 1}",
            file=os.path.join(folder, "dataset.json"),
            field="channel_names",
            expected='keys "0", "1", … without gaps',
        )
    channels = [str(names[k]) for k in order]
    labels = dataset_json.get("labels")
    if not isinstance(labels, dict) or not labels:
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: dataset.json has no labels",
            file=os.path.join(folder, "dataset.json"),
            field="labels",
            expected='{"background": 0, "<name>": 1, …}',
        )
    label_values = [v for value in labels.values() for v in (value if isinstance(value, list) else [value])]
    if any(not isinstance(v, int) or v < 0 or v > 255 for v in label_values):
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: dataset.json labels must be integers 0 … 255 (the worker returns uint8 masks)",
            file=os.path.join(folder, "dataset.json"),
            field="labels",
            expected="integers 0 … 255",
        )
    if not isinstance(plans.get("configurations"), dict) or not plans["configurations"]:
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: plans.json has no configurations",
            file=os.path.join(folder, "plans.json"),
            field="configurations",
            expected="the plans nnU-Net trained the model with",
        )

    found = _fold_dirs(folder)
    if not found:
        raise SegmentationModelError(
            f"nnU-Net model folder {folder} has no fold_N folder",
            file=folder,
            field="fold_N",
            expected=f"fold_0/{checkpoint} (or fold_1 … / fold_all)",
        )
    if folds is None:
        # nnU-Net's own auto-detection skips fold_all and folds without the checkpoint; here a fold without its
        # checkpoint is an error (an unfinished fold copied by mistake), and fold_all is used only when alone.
        wanted: list[Fold] = sorted(f for f in found if f != "all") or ["all"]  # type: ignore[type-var]
    else:
        wanted = [f if f == "all" else int(f) for f in folds]
        if not wanted:
            raise SegmentationModelError(
                f"nnU-Net model folder {folder}: no folds requested", field="folds", expected=f"some of {sorted(found, key=str)}"
            )
    checkpoints = []
    for fold in wanted:
        if fold not in found:
            raise SegmentationModelError(
                f"nnU-Net model folder {folder} has no fold_{fold} folder",
                file=os.path.join(folder, f"fold_{fold}"),
                field="folds",
                expected=f"one of {', '.join(f'fold_{f}' for f in sorted(found, key=str))}",
            )
        path = os.path.join(found[fold], checkpoint)
        if not os.path.isfile(path):
            raise SegmentationModelError(
                f"nnU-Net model folder {folder}: fold_{fold} has no {checkpoint}",
                file=path,
                field="checkpoint",
                expected=f"fold_{fold}/{checkpoint} written by nnUNetv2_train",
            )
        checkpoints.append(path)

    trainer_name = configuration = None
    mirror_axes: tuple[int, ...] | None = None
    weights: list[dict[str, Any]] = []
    for fold, path in zip(wanted, checkpoints, strict=True):
        try:
            # nnU-Net's predictor loads the same way (weights_only=False: the checkpoint holds plain Python objects);
            # the folder is configured by the operator, it is trusted like the worker's code.
            ckpt = torch.load(path, map_location=torch.device("cpu"), weights_only=False)
        except Exception as e:  # noqa: BLE001 — any failure here means the file is unusable
            raise SegmentationModelError(
                f"nnU-Net model folder {folder}: fold_{fold}/{checkpoint} cannot be loaded ({type(e).__name__}: {str(e)[:200]})",
                file=path,
                field="checkpoint",
                expected="a checkpoint written by nnUNetv2_train (torch.save)",
            ) from e
        missing = [k for k in ("network_weights", "trainer_name", "init_args") if not isinstance(ckpt, dict) or k not in ckpt]
        if missing or not isinstance(ckpt["init_args"], dict) or "configuration" not in ckpt["init_args"]:
            raise SegmentationModelError(
                f"nnU-Net model folder {folder}: fold_{fold}/{checkpoint} is not an nnU-Net checkpoint "
                f"(missing {', '.join(missing) or 'init_args.configuration'})",
                file=path,
                field="checkpoint",
                expected="network_weights, trainer_name, init_args.configuration",
            )
        if trainer_name is None:
            trainer_name, configuration = str(ckpt["trainer_name"]), str(ckpt["init_args"]["configuration"])
            axes = ckpt.get("inference_allowed_mirroring_axes")
            mirror_axes = tuple(int(a) for a in axes) if axes is not None else None
        elif (ckpt["trainer_name"], ckpt["init_args"]["configuration"]) != (trainer_name, configuration):
            raise SegmentationModelError(
                f"nnU-Net model folder {folder}: fold_{fold} was trained with "
                f"{ckpt['trainer_name']}/{ckpt['init_args']['configuration']}, fold_{wanted[0]} with "
                f"{trainer_name}/{configuration}",
                file=path,
                field="checkpoint",
                expected="every fold from the same trainer and configuration",
            )
        weights.append(ckpt["network_weights"])
        del ckpt
    assert trainer_name is not None and configuration is not None

    if configuration not in plans["configurations"]:
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: configuration {configuration!r} (from the checkpoint) is missing from plans.json",
            file=os.path.join(folder, "plans.json"),
            field=f"configurations.{configuration}",
            expected=f"one of {', '.join(plans['configurations'])} to include {configuration}",
        )
    try:
        trainer_class = find_trainer_class(trainer_name)
    except Exception as e:  # noqa: BLE001 — sorted below into an unknown trainer and a broken environment
        if not (isinstance(e, AssertionError) or (isinstance(e, RuntimeError) and "Could not find requested" in str(e))):
            # The trainer's module (or nnU-Net's full lookup) failed to import: the environment's fault (e.g. timm
            # needing a torchvision built for another torch), not the folder's: say so instead of "unknown trainer".
            raise SegmentationModelError(
                f"nnunetv2 could not import trainer {trainer_name!r} for {folder} ({type(e).__name__}: {str(e)[:200]})",
                field="trainer_name",
                expected="an nnunetv2 installation whose dependencies import (torch, torchvision, timm)",
            ) from e
        raise SegmentationModelError(
            f"nnU-Net model folder {folder}: trainer class {trainer_name!r} (from the checkpoint) is not known to nnunetv2",
            file=checkpoints[0],
            field="trainer_name",
            expected="a trainer in nnunetv2.training.nnUNetTrainer or on nnUNet_extTrainer",
        ) from e

    postprocessing = os.path.join(folder, POSTPROCESSING_FILE)
    return _CheckedFolder(
        folder=folder,
        dataset_json=dataset_json,
        plans=plans,
        folds=wanted,
        checkpoints=checkpoints,
        trainer_name=trainer_name,
        configuration=configuration,
        channels=channels,
        mirror_axes=mirror_axes,
        postprocessing=postprocessing if os.path.isfile(postprocessing) else None,
        trainer_class=trainer_class,
        weights=weights,
    )


def find_trainer_class(trainer_name: str) -> type:
    """The trainer class by name, importing only the nnunetv2 module that defines it. nnU-Net's own lookup
    (recursive_find_trainer_class_by_name) imports every trainer module, among them the Primus/EVA variants that need
    timm and so torchvision — which cannot load beside the CPU build of torch these machines carry. A name not defined
    in nnunetv2's trainer folder is unknown, unless nnUNet_extTrainer is set: then nnU-Net's own lookup searches there."""
    import importlib
    from pathlib import Path

    import nnunetv2
    from nnunetv2.training.nnUNetTrainer.nnUNetTrainer import nnUNetTrainer
    from nnunetv2.utilities.find_objects import recursive_find_trainer_class_by_name

    package = Path(nnunetv2.__path__[0])
    defines = re.compile(rf"^class {re.escape(trainer_name)}\(", re.M)
    for file in sorted((package / "training" / "nnUNetTrainer").rglob("*.py")):
        if defines.search(file.read_text(encoding="utf-8", errors="ignore")):
            module = importlib.import_module(".".join(("nnunetv2", *file.relative_to(package).with_suffix("").parts)))
            found = getattr(module, trainer_name)
            assert issubclass(found, nnUNetTrainer), f"{trainer_name} must inherit from nnUNetTrainer"
            return found
    if not os.environ.get("nnUNet_extTrainer"):
        raise RuntimeError(f"Could not find requested nnunet trainer {trainer_name} in nnunetv2.training.nnUNetTrainer")
    with contextlib.redirect_stdout(io.StringIO()):
        return recursive_find_trainer_class_by_name(trainer_name)


def _plans(checked: _CheckedFolder):  # type: ignore[no-untyped-def]
    from nnunetv2.utilities.plans_handling.plans_handler import PlansManager

    plans_manager = PlansManager(checked.plans)
    return plans_manager, plans_manager.get_configuration(checked.configuration)


def _build_network(checked: _CheckedFolder) -> torch.nn.Module:
    """The network as nnUNetPredictor.initialize_from_trained_model_folder builds it (nnunetv2 2.8.1), with the
    first fold's weights loaded; the predictor swaps in each fold's weights per prediction."""
    import inspect

    from nnunetv2.utilities.label_handling.label_handling import determine_num_input_channels

    plans_manager, configuration_manager = _plans(checked)
    inputs = determine_num_input_channels(plans_manager, configuration_manager, checked.dataset_json)
    outputs = plans_manager.get_label_manager(checked.dataset_json).num_segmentation_heads
    build = checked.trainer_class.build_network_architecture
    if "plans_manager" in inspect.signature(build).parameters:
        network = build(plans_manager, configuration_manager, inputs, outputs, enable_deep_supervision=False)
    else:  # the signature before nnunetv2 2.6
        network = build(
            configuration_manager.network_arch_class_name,
            configuration_manager.network_arch_init_kwargs,
            configuration_manager.network_arch_init_kwargs_req_import,
            inputs,
            outputs,
            enable_deep_supervision=False,
        )
    network.load_state_dict(checked.weights[0])
    return network


class NnUnetModel:
    """One nnU-Net v2 trained-model folder behind the LoadedModel protocol (models/base.py)."""

    kind: Literal["nnunet-v2"] = "nnunet-v2"

    def __init__(self, checked: _CheckedFolder, *, device: torch.device, tile_step_size: float):
        from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor

        self.folder = checked.folder
        self.folds = checked.folds
        self.trainer_name = checked.trainer_name
        self.configuration = checked.configuration
        dataset_name = str(
            checked.plans.get("dataset_name")
            or checked.dataset_json.get("name")
            or os.path.basename(os.path.dirname(os.path.abspath(checked.folder)))
        )
        self.name = _model_name(dataset_name, checked.configuration)
        self.version = "sha-" + ".".join(sha256_file(p)[:12] for p in checked.checkpoints)
        self.channels = list(checked.channels)
        self.device = device_name(device)
        # nnU-Net runs the network under torch.autocast on CUDA (fp16), in fp32 elsewhere.
        self.precision: Precision = "fp16" if device.type == "cuda" else "fp32"
        self._mirror_axes = checked.mirror_axes

        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                predictor = nnUNetPredictor(
                    tile_step_size=tile_step_size,
                    use_gaussian=True,
                    use_mirroring=False,
                    perform_everything_on_device=device.type == "cuda",
                    device=device,
                    verbose=False,
                    allow_tqdm=False,
                )
                predictor.manual_initialization(
                    _build_network(checked),
                    *_plans(checked),
                    checked.weights,
                    checked.dataset_json,
                    checked.trainer_name,
                    checked.mirror_axes,
                )
        except Exception as e:  # noqa: BLE001 — the checks above passed, so this is a mismatch plans ↔ weights
            raise SegmentationModelError(
                f"nnU-Net model folder {checked.folder}: nnU-Net could not build the network ({type(e).__name__}: {str(e)[:300]})",
                file=checked.checkpoints[0],
                field="network_weights",
                expected="weights that fit the architecture in plans.json",
            ) from e
        if out.getvalue().strip():
            log.debug("nnU-Net while loading %s: %s", checked.folder, out.getvalue().strip())
        self._predictor = predictor

        self._postprocessing: tuple[list[Any], list[dict[str, Any]]] | None = None
        if checked.postprocessing:
            from batchgenerators.utilities.file_and_folder_operations import load_pickle

            try:
                fns, kwargs = load_pickle(checked.postprocessing)
            except Exception as e:  # noqa: BLE001 — unpickling can fail in any way; each means the file is unusable
                raise SegmentationModelError(
                    f"nnU-Net model folder {checked.folder}: {POSTPROCESSING_FILE} cannot be loaded ({type(e).__name__}: {e})",
                    file=checked.postprocessing,
                    field="postprocessing",
                    expected="the (pp_fns, pp_fn_kwargs) pickle nnUNetv2_determine_postprocessing writes",
                ) from e
            self._postprocessing = (list(fns), list(kwargs))

        # Per-call bookkeeping, read by the hooks below; segment() holds _lock, so calls on one model run one at a time
        # (nnU-Net's predictor keeps per-call state too: use_mirroring, the network's weights per fold).
        self._lock = threading.Lock()
        self._windows = 0
        self._passes_done = 0
        self._passes_total = 0
        self._inference_s = 0.0
        self._progress: Progress | None = None
        self._should_stop: ShouldStop | None = None
        get_slicers = predictor._internal_get_sliding_window_slicers
        predict_logits = predictor.predict_logits_from_preprocessed_data

        def counting_slicers(image_size):  # type: ignore[no-untyped-def]
            slicers = get_slicers(image_size)
            if self._windows == 0:
                self._windows = len(slicers)
                self._passes_total = self._windows * self._mirror_combinations(self._predictor.use_mirroring) * len(self.folds)
            return slicers

        def timed_logits(data):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return predict_logits(data)
            finally:
                self._inference_s += time.perf_counter() - start

        predictor._internal_get_sliding_window_slicers = counting_slicers  # type: ignore[method-assign]
        predictor.predict_logits_from_preprocessed_data = timed_logits  # type: ignore[method-assign]
        predictor.network.register_forward_hook(self._after_pass)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def postprocessing(self) -> bool:
        return self._postprocessing is not None

    def _mirror_combinations(self, tta: bool) -> int:
        return 2 ** len(self._mirror_axes) if tta and self._mirror_axes else 1

    def _after_pass(self, module: torch.nn.Module, args: Any, output: Any) -> None:
        if self._progress is None:
            return  # a forward outside segment() (none today)
        self._passes_done += 1
        self._progress(self._passes_done, self._passes_total)
        if self._should_stop is not None and self._should_stop():
            raise WorkerShuttingDown(f"stopped after {self._passes_done} of {self._passes_total} network passes")

    def _input(self, images: list[sitk.Image]) -> tuple[np.ndarray, dict[str, Any]]:
        if len(images) != len(self.channels):
            raise SegmentationInputError(
                f"{self.name} takes {len(self.channels)} images, got {len(images)}", field="images", expected=", ".join(self.channels)
            )
        ref = images[0]
        if ref.GetDimension() != 3:
            raise SegmentationInputError(f"{self.channels[0]} is {ref.GetDimension()}-D", field=self.channels[0], expected="a 3-D image")
        for channel, image in zip(self.channels[1:], images[1:], strict=True):
            if image.GetSize() != ref.GetSize() or not np.allclose(image.GetSpacing(), ref.GetSpacing(), rtol=1e-4, atol=1e-4):
                raise SegmentationInputError(
                    f"{channel} is {image.GetSize()} at {image.GetSpacing()} mm, {self.channels[0]} "
                    f"{ref.GetSize()} at {ref.GetSpacing()} mm",
                    field=channel,
                    expected=f"the grid of {self.channels[0]}",
                )
        # SimpleITKIO.read_images, from memory: arrays are (z, y, x), so nnU-Net's spacing is SimpleITK's reversed.
        data = np.stack([sitk.GetArrayFromImage(image) for image in images]).astype(np.float32, copy=False)
        properties = {
            "sitk_stuff": {"spacing": ref.GetSpacing(), "origin": ref.GetOrigin(), "direction": ref.GetDirection()},
            "spacing": [abs(s) for s in ref.GetSpacing()[::-1]],
        }
        return data, properties

    def segment(
        self, images: list[sitk.Image], *, tta: bool, progress: Progress, should_stop: ShouldStop, source: str | None = None
    ) -> SegmentOutcome:
        """progress(done, total) after every network pass (window × mirror combination × fold); should_stop() polled
        right after it, WorkerShuttingDown raised when it returns True. A stop leaves nnU-Net's window-producer thread
        (a daemon) blocked on its queue with this call's input until the process exits: a stop means it is exiting."""
        with self._lock:
            return self._segment(images, tta=tta, progress=progress, should_stop=should_stop)

    def _segment(self, images: list[sitk.Image], *, tta: bool, progress: Progress, should_stop: ShouldStop) -> SegmentOutcome:
        start = time.perf_counter()
        data, properties = self._input(images)
        predictor = self._predictor
        predictor.use_mirroring = bool(tta)
        self._windows = self._passes_done = self._passes_total = 0
        self._inference_s = 0.0
        self._progress, self._should_stop = progress, should_stop
        threads = torch.get_num_threads()  # nnU-Net resets it after prediction, but not when a pass raises
        try:
            seg = predictor.predict_single_npy_array(data, properties)
        finally:
            self._progress = self._should_stop = None
            torch.set_num_threads(threads)
        seg = np.asarray(seg)
        if self._postprocessing is not None:
            from nnunetv2.postprocessing.remove_connected_components import apply_postprocessing

            seg = apply_postprocessing(seg, *self._postprocessing)
        mask = sitk.GetImageFromArray(seg.astype(np.uint8, copy=False))
        mask.CopyInformation(images[0])
        return SegmentOutcome(
            mask=mask,
            windows=self._windows,
            passes=self._passes_done,
            inference_ms=self._inference_s * 1000.0,
            total_ms=(time.perf_counter() - start) * 1000.0,
        )


def load_nnunet_folder(
    path: str,
    *,
    device: torch.device,
    folds: tuple[Fold, ...] | None = None,
    checkpoint: str = CHECKPOINT_FINAL,
    tile_step_size: float = 0.5,
) -> NnUnetModel:
    """Checks an nnU-Net v2 trained-model folder and loads it once into nnU-Net's predictor.

    folds: the fold_N folders to ensemble (None: every fold_N present, or fold_all alone); checkpoint: the file name in
    each fold folder. Raises SegmentationModelError naming the folder and what is missing or wrong."""
    if not 0 < tile_step_size <= 1:
        raise SegmentationModelError(
            f"tile_step_size {tile_step_size} is out of range",
            field="tile_step_size",
            expected="0 < tile_step_size ≤ 1 (nnU-Net's default 0.5)",
        )
    checked = _check_folder(os.path.abspath(path), folds, checkpoint)
    return NnUnetModel(checked, device=device, tile_step_size=tile_step_size)


__all__ = ["NnUnetModel", "is_nnunet_folder", "load_nnunet_folder", "CHECKPOINT_FINAL", "POSTPROCESSING_FILE"]
