"""One volume through an osteoflow model package, step for step as the TypeScript worker does it
(models/segmentation/segment.ts and inference/*.ts), so that both workers deliver the same mask:
images → model grid (linear, same physical extent, centred) → per-channel normalisation → sliding window
(windows.py) → argmax → back to the first image's grid (nearest) → connected components.

Resampling is SimpleITK's own ResampleImageFilter, which the TypeScript resampler reproduces."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk
import torch

from .errors import SegmentationInputError
from .windows import Network, argmax_labels, filter_components, sliding_window

# Relative spacing difference under which an image is taken to be on the model's grid already (preprocess.ts).
SAME_SPACING = 1e-3


@dataclass
class Grid:
    size: tuple[int, int, int]  # x, y, z
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: tuple[float, ...]  # 3×3 row-major

    @staticmethod
    def of(image: sitk.Image) -> Grid:
        return Grid(tuple(image.GetSize()), tuple(image.GetSpacing()), tuple(image.GetOrigin()), tuple(image.GetDirection()))

    def same_as(self, other: Grid) -> bool:
        def close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
            return all(abs(x - y) <= 1e-6 * max(1.0, abs(x), abs(y)) for x, y in zip(a, b, strict=True))

        return (
            self.size == other.size
            and close(self.spacing, other.spacing)
            and close(self.origin, other.origin)
            and close(self.direction, other.direction)
        )


def grid_with_spacing(g: Grid, spacing: Sequence[float]) -> Grid:
    """The grid with `spacing` covering the same physical box as `g`, centres aligned (preprocess.ts gridWithSpacing)."""
    size = tuple(max(1, _round_half_away(n * s / t)) for n, s, t in zip(g.size, g.spacing, spacing, strict=True))
    shift = [((g.size[i] - 1) * g.spacing[i]) / 2 - ((size[i] - 1) * spacing[i]) / 2 for i in range(3)]
    d = g.direction
    origin = tuple(g.origin[r] + d[3 * r] * shift[0] + d[3 * r + 1] * shift[1] + d[3 * r + 2] * shift[2] for r in range(3))
    return Grid(size, tuple(float(s) for s in spacing), origin, tuple(d))


def _round_half_away(x: float) -> int:
    # JavaScript's Math.round rounds halves up; sizes are positive, so floor(x + 0.5).
    return int(math.floor(x + 0.5))


def on_model_spacing(g: Grid, spacing: Sequence[float]) -> bool:
    return all(abs(s - t) <= SAME_SPACING * t for s, t in zip(g.spacing, spacing, strict=True))


def model_grid(reference: Grid, sidecar: dict) -> Grid:
    """The grid the network sees: the reference itself when already on the model's spacing."""
    spacing = sidecar["input"]["spacingMm"]
    return reference if on_model_spacing(reference, spacing) else grid_with_spacing(reference, spacing)


def resample(image: sitk.Image, target: Grid, interpolator: int) -> sitk.Image:
    """SimpleITK's resampling with an identity transform; outside the input: 0."""
    return sitk.Resample(
        image,
        list(target.size),
        sitk.Transform(),
        interpolator,
        list(target.origin),
        list(target.spacing),
        list(target.direction),
        0.0,
        image.GetPixelID(),
    )


def normalise(values: np.ndarray, scheme: dict) -> np.ndarray:
    """z-score over every voxel (nnU-Net's ZScoreNormalization without a foreground mask), or clip-and-scale for CT
    (nnU-Net's CTNormalization); preprocess.ts normalise. Sums in float64 as JavaScript does."""
    if scheme["scheme"] == "zscore":
        mean = values.mean(dtype=np.float64)
        sd = max(math.sqrt(((values.astype(np.float64) - mean) ** 2).mean()), 1e-8)
        return ((values - mean) / sd).astype(np.float32)
    lo, hi = scheme["clip"]
    return ((np.clip(values, lo, hi) - scheme["mean"]) / scheme["sd"]).astype(np.float32)


@dataclass
class ModelInput:
    data: np.ndarray  # [C, z, y, x] float32
    grid: Grid  # the model grid


def prepare_input(images: list[sitk.Image], sidecar: dict, source: str | None = None) -> ModelInput:
    """Every channel onto the first channel's grid (linear), that grid onto the model spacing (linear), normalised."""
    channels = sidecar["input"]["channels"]
    if len(images) != len(channels):
        raise SegmentationInputError(
            f"the model needs {len(channels)} channel(s) ({', '.join(c['modality'] for c in channels)}), {len(images)} image(s) given",
            field="images",
            expected=f"one image per channel, in the order {', '.join(c['modality'] for c in channels)}",
        )
    reference = Grid.of(images[0])
    spacing = sidecar["input"]["spacingMm"]
    target = model_grid(reference, sidecar)
    patch = sidecar["input"]["patchSize"]
    small = [i for i in range(3) if target.size[i] < patch[i]]
    if small:
        raise SegmentationInputError(
            f"image {source or '(in memory)'} is {'×'.join(map(str, target.size))} voxels "
            f"on the model's {'×'.join(_num(s) for s in spacing)} mm grid, "
            f"smaller than the {'×'.join(map(str, patch))} patch along {', '.join('xyz'[i] for i in small)}",
            file=source,
            field="size",
            expected=f"at least {' × '.join(f'{p * s:.0f}' for p, s in zip(patch, spacing, strict=True))} mm (the patch)",
        )
    blocks = []
    for c, image in enumerate(images):
        image = sitk.Cast(image, sitk.sitkFloat32)
        # Other channels are taken to be co-registered with the first: brought onto its grid when theirs differs.
        if c > 0 and not Grid.of(image).same_as(reference):
            image = resample(image, reference, sitk.sitkLinear)
        if target is not reference:
            image = resample(image, target, sitk.sitkLinear)
        blocks.append(normalise(sitk.GetArrayViewFromImage(image).astype(np.float32), channels[c]["normalisation"]))
    return ModelInput(np.stack(blocks), target)


def _num(x: float) -> str:
    return f"{x:g}"


@dataclass
class PackageSegmentation:
    mask: sitk.Image
    windows: int
    passes: int
    inference_ms: float
    total_ms: float


def segment_volumes(
    images: list[sitk.Image],
    sidecar: dict,
    network: Network,
    *,
    device: torch.device,
    accumulate_on: torch.device,
    tta: bool,
    batch_size: int | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
    should_stop: Callable[[], bool] = lambda: False,
    source: str | None = None,
) -> PackageSegmentation:
    t0 = time.perf_counter()
    model_input = prepare_input(images, sidecar, source)
    classes = sidecar["output"]["classes"]
    labels = [c["label"] for c in classes]
    t1 = time.perf_counter()
    result = sliding_window(
        model_input.data,
        network,
        patch_xyz=sidecar["input"]["patchSize"],
        classes=len(classes),
        overlap=sidecar["inference"]["overlap"],
        sigma_scale=sidecar["inference"]["gaussianSigmaScale"],
        mirror_axes=sidecar["inference"]["mirrorAxes"] if tta else [],
        batch_size=batch_size or sidecar["inference"]["batchSize"],
        device=device,
        accumulate_on=accumulate_on,
        progress=progress,
        should_stop=should_stop,
    )
    t2 = time.perf_counter()
    on_model_grid = sitk.GetImageFromArray(argmax_labels(result.probabilities, labels))
    del result.probabilities
    g = model_input.grid
    on_model_grid.SetSpacing(g.spacing)
    on_model_grid.SetOrigin(g.origin)
    on_model_grid.SetDirection(g.direction)
    reference = Grid.of(images[0])
    mask_image = on_model_grid if g is reference or g.same_as(reference) else resample(on_model_grid, reference, sitk.sitkNearestNeighbor)
    mask = sitk.GetArrayFromImage(mask_image)
    post = sidecar["postprocessing"]
    if post["components"] == "above-size":
        voxel_mm3 = reference.spacing[0] * reference.spacing[1] * reference.spacing[2]
        rule = {"keep": "above-size", "min_voxels": math.ceil((post.get("minComponentMl", 0) * 1000) / voxel_mm3)}
    else:
        rule = {"keep": post["components"]}
    filter_components(mask, labels, rule)
    out = sitk.GetImageFromArray(mask)
    out.CopyInformation(images[0])
    t3 = time.perf_counter()
    return PackageSegmentation(out, result.windows, result.passes, (t2 - t1) * 1000, (t3 - t0) * 1000)
