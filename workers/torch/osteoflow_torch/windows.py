"""The sliding window as nnU-Net v2 runs it and the TypeScript worker reproduces it
(models/segmentation/inference/slidingWindow.ts, postprocess.ts): windows of the patch at nnU-Net's steps, each
weighted by a Gaussian importance map and mirrored back, summed and divided by the summed weights; then argmax and
connected components. numpy, torch and scipy only, so that the GPU benchmark runs it on a host without SimpleITK."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage

from .errors import SegmentationInputError, WorkerShuttingDown

AXIS_INDEX = {"x": 0, "y": 1, "z": 2}


def window_starts(image_size: int, patch_size: int, overlap: float) -> list[int]:
    """nnU-Net's compute_steps_for_sliding_window along one axis (slidingWindow.ts windowStarts)."""
    if image_size < patch_size:
        raise ValueError(f"image size {image_size} is smaller than the patch {patch_size}")
    target_step = patch_size - patch_size * overlap
    count = math.ceil((image_size - patch_size) / max(target_step, 1)) + 1
    if count == 1:
        return [0]
    step = (image_size - patch_size) / (count - 1)
    return [int(round(step * i)) for i in range(count)]  # Python's round: halves to even, as numpy's


def gaussian_importance(patch_xyz: Sequence[int], sigma_scale: float) -> np.ndarray:
    """Importance map [z, y, x]: Gaussian centred at patch // 2, peak 1, zeros replaced by the smallest value."""

    def axis(n: int) -> np.ndarray:
        sigma = n * sigma_scale
        centre = n // 2
        return np.exp(-((np.arange(n) - centre) ** 2) / (2 * sigma * sigma))

    gx, gy, gz = (axis(n) for n in patch_xyz)
    out = (gz[:, None, None] * gy[None, :, None] * gx[None, None, :]).astype(np.float32)
    out /= out.max()
    positive = out[out > 0]
    out[out == 0] = positive.min()
    return out


def mirror_combinations(axes: Sequence[str]) -> list[tuple[bool, bool, bool]]:
    """Every subset of the mirror axes as flags (x, y, z), the identity first (slidingWindow.ts)."""
    indices = list(dict.fromkeys(AXIS_INDEX[a] for a in axes))
    out = []
    for mask in range(1 << len(indices)):
        flags = [False, False, False]
        for bit, axis in enumerate(indices):
            if mask & (1 << bit):
                flags[axis] = True
        out.append(tuple(flags))
    return out


Network = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class WindowResult:
    probabilities: torch.Tensor  # [K, z, y, x] on the accumulation device
    windows: int
    passes: int


def sliding_window(
    data: np.ndarray,
    network: Network,
    *,
    patch_xyz: Sequence[int],
    classes: int,
    overlap: float,
    sigma_scale: float,
    mirror_axes: Sequence[str],
    batch_size: int,
    device: torch.device,
    accumulate_on: torch.device,
    progress: Callable[[int, int], None] = lambda done, total: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> WindowResult:
    """Class probabilities of `data` ([C, z, y, x]) by windows of the patch, each weighted by the importance map and
    mirrored back, summed and divided by the summed weights (nnU-Net v2's predict_sliding_window_return_logits).
    Windows run on `device`; the sums live on `accumulate_on` (the host when the device has too little memory)."""
    _, nz, ny, nx = data.shape
    px, py, pz = patch_xyz
    starts = [window_starts(n, p, overlap) for n, p in ((nx, px), (ny, py), (nz, pz))]
    combos = mirror_combinations(mirror_axes)
    items = [((sx, sy, sz), flip) for sz in starts[2] for sy in starts[1] for sx in starts[0] for flip in combos]
    windows = len(starts[0]) * len(starts[1]) * len(starts[2])

    # The input lives where the sums do: on the device, windows are cut there without a host copy per batch.
    source = torch.from_numpy(data).to(accumulate_on)
    importance = torch.from_numpy(gaussian_importance(patch_xyz, sigma_scale)).to(accumulate_on)
    accumulated = torch.zeros((classes, nz, ny, nx), dtype=torch.float32, device=accumulate_on)
    weights = torch.zeros((nz, ny, nx), dtype=torch.float32, device=accumulate_on)
    batch_size = max(1, min(batch_size, len(items)))
    for first in range(0, len(items), batch_size):
        if should_stop():
            raise WorkerShuttingDown(f"stopped after {first} of {len(items)} network passes")
        chunk = items[first : first + batch_size]
        batch = torch.stack([_flip(source[:, sz : sz + pz, sy : sy + py, sx : sx + px], flip) for (sx, sy, sz), flip in chunk]).to(device)
        with torch.inference_mode():
            output = network(batch)
        if tuple(output.shape) != (len(chunk), classes, pz, py, px):
            raise SegmentationInputError(
                f"the network returned {tuple(output.shape)} for {len(chunk)} window(s)",
                field="output",
                expected=f"[{len(chunk)}, {classes}, {pz}, {py}, {px}]",
            )
        output = output.float().to(accumulate_on)
        for b, ((sx, sy, sz), flip) in enumerate(chunk):
            accumulated[:, sz : sz + pz, sy : sy + py, sx : sx + px] += importance * _flip(output[b], flip)
            weights[sz : sz + pz, sy : sy + py, sx : sx + px] += importance
        progress(min(first + batch_size, len(items)), len(items))
    accumulated /= weights
    return WindowResult(accumulated, windows, len(items))


def _flip(window: torch.Tensor, flip: tuple[bool, bool, bool]) -> torch.Tensor:
    """Mirrors a [C, z, y, x] window along the flagged axes (x, y, z); its own inverse."""
    dims = [d for d, on in ((3, flip[0]), (2, flip[1]), (1, flip[2])) if on]
    return torch.flip(window, dims) if dims else window


def argmax_labels(probabilities: torch.Tensor, labels: Sequence[int]) -> np.ndarray:
    """Label value of the most probable class per voxel; ties go to the lower class (postprocess.ts)."""
    index = torch.argmax(probabilities, dim=0).cpu().numpy()
    return np.asarray(labels, dtype=np.uint8)[index]


# 6-connected, scipy.ndimage.label's default structure (nnU-Net's remove_all_but_largest_component).
SIX_CONNECTED = ndimage.generate_binary_structure(3, 1)


def filter_components(mask: np.ndarray, labels: Sequence[int], rule: dict) -> int:
    """In place: per non-zero label, keeps the largest component (first on ties, as the TypeScript scan order) or those
    of at least min_voxels. Returns the voxels removed."""
    if rule["keep"] == "all":
        return 0
    removed = 0
    for label in labels:
        if label == 0:
            continue
        ids, count = ndimage.label(mask == label, structure=SIX_CONNECTED)
        if count == 0:
            continue
        sizes = np.bincount(ids.ravel())[1:]
        keep = np.zeros(count + 1, dtype=bool)
        if rule["keep"] == "largest":
            keep[int(np.argmax(sizes)) + 1] = True
        else:
            keep[1:] = sizes >= rule["min_voxels"]
        drop = (ids != 0) & ~keep[ids]
        removed += int(drop.sum())
        mask[drop] = 0
    return removed
