"""Dice of a package's TorchScript network on exported cases, through train.py's sliding window (Gaussian, no
mirroring, largest component): the number the TypeScript side's held-out test reports for the ONNX network, for
comparing the two forms of one package (they are to agree within 0.01).

    npx tsx models/segmentation/training/make_dataset.ts --out models/segmentation/training/data/heldout --set 4242:3:64,64,32
    models/segmentation/training/.venv/bin/python models/segmentation/training/check_heldout.py \
        models/segmentation/packages/osteoflow-tumour-unet3d-1.0.0 models/segmentation/training/data/heldout
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch

from train import dice, largest_component, load_cases, predict


def main() -> None:
    package, data = Path(sys.argv[1]), Path(sys.argv[2])
    sidecar = json.loads((package / "model.json").read_text())
    px, py, pz = sidecar["input"]["patchSize"]
    net = torch.jit.load(str(package / sidecar["files"]["torchscript"]["path"]))
    net.eval()
    scores = []
    for case in load_cases(data):
        mask = largest_component(predict(net, case["image"], (pz, py, px), sidecar["inference"]["overlap"]))
        scores.append(dice(mask, case["mask"]))
        np.save(data / f"{case['id']}_torchscript.npy", mask)
        print(f"{case['id']}: Dice {scores[-1]:.3f}", flush=True)
    print(f"mean {np.mean(scores):.4f} min {np.min(scores):.4f} over {len(scores)} cases")


if __name__ == "__main__":
    torch.set_num_threads(2)
    main()
