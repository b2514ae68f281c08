"""Shrinks the 3d_fullres configuration of the nnUNetPlans.json that nnUNetv2_plan_and_preprocess wrote, so that the
tiny fixture model trains on two CPU cores in minutes and its checkpoint stays well under 2 MB.

  python models/segmentation/nnunet/shrink_plans.py $nnUNet_preprocessed/Dataset501_OsteoSynth/nnUNetPlans.json

Only the patch size and the network change; spacing, normalisation and the data identifier stay, so the data
preprocessed for the original plans are used as they are (nnU-Net's preprocessing does not depend on either)."""

import json
import sys

PATCH_SIZE = [32, 48, 48]  # z, y, x: 4 sliding windows on the generator's 32 × 64 × 64 volumes at step 0.5
FEATURES = [8, 16, 32, 32]
KERNELS = [[1, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]]
STRIDES = [[1, 1, 1], [1, 2, 2], [2, 2, 2], [2, 2, 2]]  # 32×48×48 → 32×24×24 → 16×12×12 → 8×6×6


def main(path: str) -> None:
    with open(path) as f:
        plans = json.load(f)
    config = plans["configurations"]["3d_fullres"]
    arch = config["architecture"]["arch_kwargs"]
    n = len(FEATURES)
    config["patch_size"] = PATCH_SIZE
    config["batch_size"] = 2
    arch.update(
        n_stages=n,
        features_per_stage=FEATURES,
        kernel_sizes=KERNELS,
        strides=STRIDES,
        n_conv_per_stage=[2] * n,
        n_conv_per_stage_decoder=[2] * (n - 1),
    )
    with open(path, "w") as f:
        json.dump(plans, f, indent=4)
    print(f"{path}: 3d_fullres patch {PATCH_SIZE}, {n} stages, features {FEATURES}")


if __name__ == "__main__":
    main(sys.argv[1])
