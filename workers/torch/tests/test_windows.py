"""The sliding window's pieces against nnU-Net v2's own (nnunetv2 2.8.1, installed beside the worker): window steps
and the Gaussian importance map. The TypeScript worker's copies are held to the same numbers in
tests/unit/segmentation/, so the two workers cut and weigh the same windows."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from nnunetv2.inference.sliding_window_prediction import compute_gaussian, compute_steps_for_sliding_window

from osteoflow_torch.windows import filter_components, gaussian_importance, mirror_combinations, sliding_window, window_starts


@pytest.mark.parametrize(
    "image, patch, overlap",
    [
        ((64, 64, 32), (48, 48, 32), 0.5),
        ((256, 256, 120), (48, 48, 32), 0.5),
        ((97, 130, 33), (48, 64, 32), 0.25),
        ((48, 48, 32), (48, 48, 32), 0.5),
    ],
)
def test_window_starts_are_nnunets(image, patch, overlap):
    # nnU-Net takes the step as a fraction of the patch (tile_step_size 0.5): overlap = 1 − step.
    steps = compute_steps_for_sliding_window(image, patch, 1 - overlap)
    assert [window_starts(n, p, overlap) for n, p in zip(image, patch, strict=True)] == [list(s) for s in steps]


def test_the_importance_map_is_nnunets_gaussian():
    patch_xyz = (48, 48, 32)
    ours = gaussian_importance(patch_xyz, 1 / 8)
    # nnU-Net filters a delta with scipy (a kernel truncated at 4 σ) and works on (z, y, x) as we store it.
    theirs = compute_gaussian(
        tuple(reversed(patch_xyz)), sigma_scale=1 / 8, value_scaling_factor=1, dtype=torch.float32, device=torch.device("cpu")
    ).numpy()
    assert ours.shape == theirs.shape == (32, 48, 48)
    assert ours.max() == 1 and ours.min() > 0
    np.testing.assert_allclose(ours, theirs, atol=2e-4)


def test_mirror_combinations_start_with_the_identity_and_cover_every_subset():
    combos = mirror_combinations(["x", "y", "z"])
    assert combos[0] == (False, False, False) and len(set(combos)) == 8


def test_an_identity_network_gives_back_its_input_and_mirroring_changes_nothing():
    rng = np.random.default_rng(1)
    data = rng.random((2, 40, 50, 60), dtype=np.float32)

    def identity(batch: torch.Tensor) -> torch.Tensor:  # two "classes": the input channels themselves
        return batch

    cpu = torch.device("cpu")
    common = dict(patch_xyz=(32, 24, 16), classes=2, overlap=0.5, sigma_scale=0.125, batch_size=3, device=cpu, accumulate_on=cpu)
    plain = sliding_window(data, identity, mirror_axes=[], **common)
    mirrored = sliding_window(data, identity, mirror_axes=["x", "y", "z"], **common)
    np.testing.assert_allclose(plain.probabilities.numpy(), data, rtol=1e-5)
    np.testing.assert_allclose(mirrored.probabilities.numpy(), data, rtol=1e-5)
    assert mirrored.passes == 8 * plain.windows


def test_components_keep_the_largest_six_connected_blob():
    mask = np.zeros((5, 5, 5), dtype=np.uint8)
    mask[0, 0, 0:3] = 1  # 3 voxels
    mask[4, 4, 4] = 1
    mask[3, 3, 3] = 1  # diagonal to the one above: not 6-connected
    removed = filter_components(mask, [0, 1], {"keep": "largest"})
    assert removed == 2 and mask.sum() == 3 and mask[0, 0, 0:3].all()
