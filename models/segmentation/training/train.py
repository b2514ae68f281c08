"""Trains the shipped tumour-segmentation model and writes its package (ONNX + TorchScript + sidecar + card data).

Not part of CI: run by hand on a CPU in a few minutes (see README.md beside this file). The data are the synthetic
study generator's visits, exported by make_dataset.ts through the same preprocessing as inference, so the network
sees exactly what osteoflow will feed it.

The network is a narrow 3D U-Net meant to run on onnxruntime's WebGPU provider as well as the CPU: strided Conv3d to
go down, nearest Upsample + Conv3d to come up (no ConvTranspose, which WebGPU cannot run in 3D, and no pooling),
InstanceNorm + LeakyReLU, a softmax at the end. Loss: cross-entropy + soft Dice, as nnU-Net.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent


# --- network -------------------------------------------------------------------------------------------------------


def conv_block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, stride=stride, padding=1),
        nn.InstanceNorm3d(cout, affine=True),
        nn.LeakyReLU(0.01, inplace=True),
        nn.Conv3d(cout, cout, 3, padding=1),
        nn.InstanceNorm3d(cout, affine=True),
        nn.LeakyReLU(0.01, inplace=True),
    )


class UNet3D(nn.Module):
    """Encoder: one block per level, levels after the first entered by a stride-2 convolution. Decoder: nearest
    upsampling ×2, a 1×1×1 convolution to the skip's width, concatenation, a block. Output: logits per class."""

    def __init__(self, in_channels: int, classes: int, widths: tuple[int, ...]):
        super().__init__()
        self.down = nn.ModuleList()
        cin = in_channels
        for level, width in enumerate(widths):
            self.down.append(conv_block(cin, width, stride=1 if level == 0 else 2))
            cin = width
        self.reduce = nn.ModuleList()
        self.up = nn.ModuleList()
        for level in range(len(widths) - 1, 0, -1):
            self.reduce.append(nn.Conv3d(widths[level], widths[level - 1], 1))
            self.up.append(conv_block(2 * widths[level - 1], widths[level - 1]))
        self.head = nn.Conv3d(widths[0], classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        x = skips.pop()
        for reduce, block in zip(self.reduce, self.up, strict=True):
            x = reduce(F.interpolate(x, scale_factor=2.0, mode="nearest"))
            x = block(torch.cat([x, skips.pop()], dim=1))
        return self.head(x)


class WithSoftmax(nn.Module):
    """What is exported: probabilities over the class axis, the sidecar's `activation: softmax`."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


# --- data ----------------------------------------------------------------------------------------------------------


def load_cases(folder: Path) -> list[dict]:
    meta = json.loads((folder / "cases.json").read_text())
    cases = []
    for c in meta["cases"]:
        image = np.load(folder / f"{c['id']}_image.npy")
        mask = np.load(folder / f"{c['id']}_mask.npy")
        fg = np.argwhere(mask > 0)
        cases.append({"id": c["id"], "image": image, "mask": mask, "fg": fg})
    return cases


def random_patch(case: dict, patch_zyx: tuple[int, int, int], rng: random.Random, foreground: bool):
    image, mask = case["image"], case["mask"]
    shape = mask.shape
    starts = []
    centre = case["fg"][rng.randrange(len(case["fg"]))] if foreground and len(case["fg"]) else None
    for axis in range(3):
        room = shape[axis] - patch_zyx[axis]
        if centre is not None:
            s = int(centre[axis]) - patch_zyx[axis] // 2 + rng.randint(-patch_zyx[axis] // 4, patch_zyx[axis] // 4)
            s = min(max(s, 0), room)
        else:
            s = rng.randint(0, room)
        starts.append(s)
    sl = tuple(slice(s, s + p) for s, p in zip(starts, patch_zyx, strict=True))
    x = image[(slice(None),) + sl].copy()
    y = mask[sl].copy()
    # Mirroring along every axis (what test-time augmentation undoes) and a mild intensity jitter per channel.
    for axis in range(3):
        if rng.random() < 0.5:
            x = np.flip(x, axis=axis + 1)
            y = np.flip(y, axis=axis)
    for c in range(x.shape[0]):
        x[c] = x[c] * rng.uniform(0.9, 1.1) + rng.uniform(-0.1, 0.1)
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def batch(cases, patch_zyx, size, rng):
    xs, ys = [], []
    for _ in range(size):
        case = cases[rng.randrange(len(cases))]
        x, y = random_patch(case, patch_zyx, rng, foreground=rng.random() < 0.5)
        xs.append(x)
        ys.append(y)
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys).astype(np.int64))


def loss_fn(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    ce = F.cross_entropy(logits, target)
    probs = torch.softmax(logits, dim=1)[:, 1]
    fg = (target == 1).float()
    intersection = (probs * fg).sum()
    dice = (2 * intersection + 1e-5) / (probs.sum() + fg.sum() + 1e-5)
    return ce + (1 - dice)


# --- evaluation (the same sliding window as osteoflow's, without mirroring) ------------------------------------------


def steps(size: int, patch: int, overlap: float) -> list[int]:
    count = math.ceil((size - patch) / max(patch * (1 - overlap), 1)) + 1
    if count == 1:
        return [0]
    step = (size - patch) / (count - 1)
    return [round(step * i) for i in range(count)]


def gaussian(patch_zyx, scale=0.125) -> np.ndarray:
    axes = []
    for n in patch_zyx:
        sigma = n * scale
        centre = n // 2
        axes.append(np.exp(-((np.arange(n) - centre) ** 2) / (2 * sigma * sigma)))
    g = axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]
    g = g / g.max()
    g[g == 0] = g[g > 0].min()
    return g.astype(np.float32)


@torch.no_grad()
def predict(model: nn.Module, image: np.ndarray, patch_zyx, overlap=0.5) -> np.ndarray:
    _, nz, ny, nx = image.shape
    g = gaussian(patch_zyx)
    acc = np.zeros((2, nz, ny, nx), np.float32)
    w = np.zeros((nz, ny, nx), np.float32)
    for z in steps(nz, patch_zyx[0], overlap):
        for y in steps(ny, patch_zyx[1], overlap):
            for x in steps(nx, patch_zyx[2], overlap):
                sl = (slice(z, z + patch_zyx[0]), slice(y, y + patch_zyx[1]), slice(x, x + patch_zyx[2]))
                p = model(torch.from_numpy(image[(slice(None),) + sl][None]))[0].numpy()
                acc[(slice(None),) + sl] += p * g
                w[sl] += g
    return (acc / w).argmax(0).astype(np.uint8)


def largest_component(mask: np.ndarray) -> np.ndarray:
    """6-connected largest component (a small BFS; scipy is not a dependency)."""
    from collections import deque

    seen = np.zeros(mask.shape, np.int32)
    best, best_id, next_id = 0, 0, 0
    for start in map(tuple, np.argwhere(mask > 0)):
        if seen[start]:
            continue
        next_id += 1
        seen[start] = next_id
        queue, n = deque([start]), 0
        while queue:
            p = queue.popleft()
            n += 1
            for axis in range(3):
                for d in (-1, 1):
                    q = list(p)
                    q[axis] += d
                    q = tuple(q)
                    if 0 <= q[axis] < mask.shape[axis] and mask[q] and not seen[q]:
                        seen[q] = next_id
                        queue.append(q)
        if n > best:
            best, best_id = n, next_id
    return (seen == best_id).astype(np.uint8) if best_id else np.zeros_like(mask)


def dice(a: np.ndarray, b: np.ndarray) -> float:
    s = a.sum() + b.sum()
    return 1.0 if s == 0 else float(2 * np.logical_and(a > 0, b > 0).sum() / s)


def evaluate(model, cases, patch_zyx) -> list[float]:
    model.eval()
    net = WithSoftmax(model)
    scores = [dice(largest_component(predict(net, c["image"], patch_zyx)), c["mask"]) for c in cases]
    model.train()
    return scores


# --- export --------------------------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(model: nn.Module, template: dict, out_dir: Path, version: str, provenance: dict) -> None:
    model.eval()
    net = WithSoftmax(model)
    channels = len(template["input"]["channels"])
    px, py, pz = template["input"]["patchSize"]
    example = torch.randn(2, channels, pz, py, px)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / template["files"]["onnx"]["path"]
    ts_path = out_dir / template["files"]["torchscript"]["path"]
    torch.onnx.export(
        net,
        (example,),
        str(onnx_path),
        dynamo=False,
        external_data=False,
        opset_version=17,
        input_names=["image"],
        output_names=["probabilities"],
        dynamic_axes={"image": {0: "N"}, "probabilities": {0: "N"}},
    )
    traced = torch.jit.trace(net, example)
    traced.save(str(ts_path))

    # The three forms must agree before they ship.
    import onnx
    import onnxruntime

    onnx.checker.check_model(str(onnx_path))
    ops = sorted({node.op_type for node in onnx.load(str(onnx_path)).graph.node})
    assert "ConvTranspose" not in ops, ops
    with torch.no_grad():
        reference = net(example).numpy()
        scripted = torch.jit.load(str(ts_path))(example).numpy()
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    from_onnx = session.run(None, {"image": example.numpy()})[0]
    provenance["export"] = {
        "onnxOpset": 17,
        "onnxOps": ops,
        "maxAbsDiffOnnxVsTorch": float(np.abs(from_onnx - reference).max()),
        "maxAbsDiffTorchScriptVsTorch": float(np.abs(scripted - reference).max()),
    }

    sidecar = json.loads(json.dumps(template))
    sidecar["version"] = version
    for kind, path in (("onnx", onnx_path), ("torchscript", ts_path)):
        sidecar["files"][kind] = {"path": path.name, "sha256": sha256(path), "bytes": path.stat().st_size}
    sidecar["training"] = provenance
    (out_dir / "model.json").write_text(json.dumps(sidecar, indent=2) + "\n")


# --- main ----------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, required=True, help="the package folder to write")
    parser.add_argument("--version", required=True)
    parser.add_argument("--iterations", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--widths", default="8,16,32,64")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--resume-export", action="store_true", help="export the best checkpoint of an earlier run to --out")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    template = json.loads((HERE / "sidecar.template.json").read_text())
    px, py, pz = template["input"]["patchSize"]
    patch_zyx = (pz, py, px)
    widths = tuple(int(w) for w in args.widths.split(","))

    train = load_cases(args.data / "train")
    val = load_cases(args.data / "val")
    train_meta = json.loads((args.data / "train" / "cases.json").read_text())
    val_meta = json.loads((args.data / "val" / "cases.json").read_text())
    print(f"{len(train)} training cases, {len(val)} validation cases, patch (z, y, x) {patch_zyx}, widths {widths}", flush=True)

    model = UNet3D(len(template["input"]["channels"]), len(template["output"]["classes"]), widths)
    parameters = sum(p.numel() for p in model.parameters())
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    # Polynomial decay as nnU-Net (exponent 0.9).
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda i: (1 - i / args.iterations) ** 0.9)
    started = time.time()
    history = []
    best = (-1.0, None, 0)
    checkpoint = args.out.with_suffix(".best.pt")
    if args.resume_export:
        saved = torch.load(checkpoint)
        best, history = (saved["valDiceMean"], saved["state"], saved["iteration"]), saved["history"]
        args.iterations = 0
        started -= saved["seconds"]
    for it in range(1, args.iterations + 1):
        x, y = batch(train, patch_zyx, args.batch, rng)
        loss = loss_fn(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if it % 50 == 0:
            print(f"it {it:5d}  loss {loss.item():.4f}  {time.time() - started:6.0f} s", flush=True)
        if it % args.eval_every == 0 or it == args.iterations:
            scores = evaluate(model, val, patch_zyx)
            mean = float(np.mean(scores))
            history.append({"iteration": it, "valDiceMean": round(mean, 4), "valDiceMin": round(float(np.min(scores)), 4)})
            print(f"  validation Dice mean {mean:.4f} min {np.min(scores):.4f}", flush=True)
            if mean > best[0]:
                best = (mean, {k: v.detach().clone() for k, v in model.state_dict().items()}, it)
                # The best state so far, so that a run stopped early can still be exported (--resume-export).
                torch.save(
                    {"state": best[1], "iteration": it, "valDiceMean": mean, "history": history, "seconds": time.time() - started},
                    checkpoint,
                )
    model.load_state_dict(best[1])
    seconds = time.time() - started
    provenance = {
        "framework": f"torch {torch.__version__}",
        "data": {
            "generator": "osteoflow synthetic study generator (synthetic/)",
            "train": [{"seed": s, **info} for s, info in summarise(train_meta).items()],
            "validation": [{"seed": s, **info} for s, info in summarise(val_meta).items()],
        },
        "architecture": {
            "kind": "3D U-Net, strided-conv down, nearest-upsample + conv up, InstanceNorm, LeakyReLU",
            "widths": list(widths),
            "parameters": parameters,
        },
        "optimisation": {
            "iterations": history[-1]["iteration"] if history else 0,
            "batch": args.batch,
            "optimizer": "AdamW",
            "lr": args.lr,
            "schedule": "poly 0.9",
            "loss": "cross-entropy + soft Dice",
            "seed": args.seed,
        },
        "wallSeconds (2 shared CPU cores)": round(seconds),
        "selectedIteration": best[2],
        "validation": history,
    }
    export(model, template, args.out, args.version, provenance)
    print(json.dumps(provenance["export"], indent=2))
    print(f"wrote {args.out} in {seconds:.0f} s; best validation Dice {best[0]:.4f} at iteration {best[2]}")


def summarise(meta: dict) -> dict:
    out: dict = {}
    for c in meta["cases"]:
        entry = out.setdefault(c["seed"], {"patients": set(), "visits": 0, "size": c["size"]})
        entry["patients"].add(c["pseudonym"])
        entry["visits"] += 1
    return {seed: {"patients": len(e["patients"]), "visits": e["visits"], "sizeXYZ": e["size"]} for seed, e in out.items()}


if __name__ == "__main__":
    main()
