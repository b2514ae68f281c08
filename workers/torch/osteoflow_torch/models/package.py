"""osteoflow model packages (models/segmentation/README.md) served from their TorchScript copy: the sidecar is checked
against the same JSON schema the TypeScript loader uses, the network file against its sha256, and the network against
the sidecar by one real window before the worker polls. Inference is inference.py's, the TypeScript worker's twin."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema
import SimpleITK as sitk
import torch

from ..devices import accumulation_device, choose_precision, device_name, precision_runner, splitting_on_oom
from ..errors import SegmentationModelError
from ..images import sha256_file
from ..inference import Grid, model_grid, segment_volumes
from .base import Progress, SegmentOutcome, ShouldStop

SIDECAR_FILE = "model.json"


def is_package_folder(folder: Path) -> bool:
    return (folder / SIDECAR_FILE).is_file()


def read_sidecar(folder: Path, schema_file: Path) -> dict:
    """The sidecar, checked against `schema_file` (models/segmentation/sidecar.schema.json) and the rules
    models/segmentation/sidecar.ts validateSidecar adds; errors name file and field."""
    file = folder / SIDECAR_FILE
    if not file.is_file():
        raise SegmentationModelError(
            f"the sidecar {SIDECAR_FILE} is missing", file=str(file), expected="the JSON sidecar of models/segmentation/sidecar.schema.json"
        )
    try:
        sidecar = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SegmentationModelError(f"sidecar is not valid JSON ({err})", file=str(file)) from err
    schema = json.loads(Path(schema_file).read_text(encoding="utf-8"))
    problems = sorted(jsonschema.Draft202012Validator(schema).iter_errors(sidecar), key=lambda e: list(e.absolute_path))
    if problems:
        described = "; ".join(f"{'/'.join(map(str, p.absolute_path)) or '(root)'}: {p.message}" for p in problems)
        raise SegmentationModelError(f"sidecar does not match the sidecar schema: {described}", file=str(file))
    modalities = [c["modality"] for c in sidecar["input"]["channels"]]
    for i, m in enumerate(modalities):
        if modalities.index(m) != i:
            raise SegmentationModelError(
                f"{m} appears twice", file=str(file), field=f"input.channels[{i}].modality", expected="each modality once"
            )
    labels = [c["label"] for c in sidecar["output"]["classes"]]
    if labels[0] != 0:
        raise SegmentationModelError(
            f"the first class has label {labels[0]}",
            file=str(file),
            field="output.classes[0].label",
            expected="the background, label 0, first",
        )
    if len(set(labels)) != len(labels):
        raise SegmentationModelError("a label appears twice", file=str(file), field="output.classes", expected="one class per label value")
    if sidecar["postprocessing"]["components"] == "above-size" and "minComponentMl" not in sidecar["postprocessing"]:
        raise SegmentationModelError(
            "missing while components is above-size",
            file=str(file),
            field="postprocessing.minComponentMl",
            expected="the smallest component kept, in ml",
        )
    return sidecar


class PackageModel:
    """One osteoflow package on one device: the TorchScript network loaded once, proven on one window."""

    kind = "osteoflow-package"

    def __init__(
        self,
        folder: Path,
        sidecar: dict,
        network: torch.jit.ScriptModule,
        device: torch.device,
        precision: str,
        memory_limit_mb: int | None,
    ):
        self.folder, self.sidecar, self.network, self.torch_device = folder, sidecar, network, device
        self.name, self.version = sidecar["name"], sidecar["version"]
        self.channels = [c["modality"] for c in sidecar["input"]["channels"]]
        self.device = device_name(device)
        self.precision = precision
        self.memory_limit_mb = memory_limit_mb
        self.run = splitting_on_oom(precision_runner(network, device, precision), device)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def segment(
        self, images: list[sitk.Image], *, tta: bool, progress: Progress, should_stop: ShouldStop, source: str | None = None
    ) -> SegmentOutcome:
        t0 = time.perf_counter()
        grid = model_grid(Grid.of(images[0]), self.sidecar)
        voxels = grid.size[0] * grid.size[1] * grid.size[2]
        # input channels, class sums and weights, float32, where the windows are cut and their results added
        need = (len(self.channels) + len(self.sidecar["output"]["classes"]) + 1) * voxels * 4
        accumulate_on = accumulation_device(self.torch_device, need, self.memory_limit_mb, source or "(in memory)")
        result = segment_volumes(
            images,
            self.sidecar,
            self.run,
            device=self.torch_device,
            accumulate_on=accumulate_on,
            tta=tta,
            progress=progress,
            should_stop=should_stop,
            source=source,
        )
        return SegmentOutcome(result.mask, result.windows, result.passes, result.inference_ms, (time.perf_counter() - t0) * 1000)


def load_package(
    folder: str | Path, *, device: torch.device, sidecar_schema: Path, precision_setting: str = "auto", memory_limit_mb: int | None = None
) -> PackageModel:
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise SegmentationModelError(
            "model folder not found", file=str(folder), expected="an osteoflow model package or an nnU-Net v2 trained-model folder"
        )
    sidecar = read_sidecar(folder, sidecar_schema)
    entry = sidecar["files"].get("torchscript")
    if entry is None:
        raise SegmentationModelError(
            f"package {sidecar['name']}@{sidecar['version']} has no TorchScript network: the Python worker runs TorchScript",
            file=str(folder / SIDECAR_FILE),
            field="files.torchscript",
            expected="the TorchScript export of the same weights as the ONNX file",
        )
    file = folder / entry["path"]
    if not file.is_file():
        raise SegmentationModelError("the torchscript file named by the sidecar is missing", file=str(file), field="files.torchscript.path")
    actual = sha256_file(file)
    if actual != entry["sha256"]:
        raise SegmentationModelError(
            f"sha256 {actual[:12]}… differs from the sidecar's {entry['sha256'][:12]}… (file altered or sidecar stale)",
            file=str(file),
            field="files.torchscript.sha256",
        )
    try:
        network = torch.jit.load(str(file), map_location=device)
    except Exception as err:  # noqa: BLE001 — any load failure is the file's fault
        raise SegmentationModelError(
            f"TorchScript cannot load it: {str(err).splitlines()[0]}", file=str(file), field="files.torchscript"
        ) from err
    network.eval()
    precision = choose_precision(
        precision_setting, device, bool(sidecar["inference"].get("halfPrecision")), f"{sidecar['name']}@{sidecar['version']}"
    )
    model = PackageModel(folder, sidecar, network, device, precision, memory_limit_mb)
    _prove(model, file)
    return model


def _prove(model: PackageModel, file: Path) -> None:
    """One window of zeros through the network: input channels, patch and classes must be the sidecar's."""
    px, py, pz = model.sidecar["input"]["patchSize"]
    channels, classes = len(model.channels), len(model.sidecar["output"]["classes"])
    try:
        with torch.inference_mode():
            out = model.run(torch.zeros((1, channels, pz, py, px), device=model.torch_device))
    except Exception as err:  # noqa: BLE001 — any failure of the proving window means network and sidecar disagree
        raise SegmentationModelError(
            f"the network does not run on one {channels}-channel {px}×{py}×{pz} window: {str(err).splitlines()[0]}",
            file=str(file),
            field="input.channels / input.patchSize",
        ) from err
    if tuple(out.shape) != (1, classes, pz, py, px):
        raise SegmentationModelError(
            f"the network returns {tuple(out.shape)} for one window",
            file=str(file),
            field="output.classes",
            expected=f"(1, {classes}, {pz}, {py}, {px})",
        )
