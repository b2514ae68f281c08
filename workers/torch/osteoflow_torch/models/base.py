"""What every kind of model the worker serves looks like to the activity: an osteoflow model package (TorchScript
beside the ONNX file, models/segmentation/README.md) or an nnU-Net v2 trained-model folder run through nnU-Net's own
predictor. One instance per model per worker process, loaded once at start and reused by every activity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import SimpleITK as sitk

Precision = Literal["fp32", "fp16", "bf16"]
# Called after each batch of windows with (done, total) network passes; the activity heartbeats here.
Progress = Callable[[int, int], None]
# Polled between batches; True when the worker is shutting down and the activity should hand its work back.
ShouldStop = Callable[[], bool]


@dataclass
class SegmentOutcome:
    # uint8 label map on the grid of the first channel's image (same size, spacing, origin, direction).
    mask: sitk.Image
    windows: int
    # network runs: windows × mirror combinations
    passes: int
    inference_ms: float
    total_ms: float


class LoadedModel(Protocol):
    kind: Literal["osteoflow-package", "nnunet-v2"]
    name: str
    version: str
    # modalities in channel order; the activity picks the timepoint's images by these names
    channels: list[str]
    device: str
    precision: Precision

    @property
    def ref(self) -> str: ...

    # `source` names the first channel's file in errors (e.g. an image too large for the device).
    def segment(
        self, images: list[sitk.Image], *, tta: bool, progress: Progress, should_stop: ShouldStop, source: str | None = None
    ) -> SegmentOutcome: ...
