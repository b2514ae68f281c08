"""The Python worker's half of the GPU benchmark: the sliding window of workers/torch (windows.py, the code the worker
runs) on the very inputs compare.js prepared and saved (--save), on each device asked, timed like compare.js (median
of N runs after a warm-up; the sliding window only), its masks compared voxel by voxel with the TypeScript worker's.
Needs numpy, scipy and torch only (a GPU host's image has them; SimpleITK is not needed here). The worker's package is
imported from --worker (default workers/torch, for a run from the repository root).

    python3 bench/gpu/torch_bench.py --inputs DIR --model DIR [--worker DIR] [--devices cuda,cpu] [--runs N] [--fp16] [--batch N] [--tta]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch


def dice(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a != 0, b != 0
    total = a.sum() + b.sum()
    return 1.0 if total == 0 else float(2 * (a & b).sum() / total)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", required=True, help="the folder compare.js --save wrote")
    parser.add_argument("--model", required=True, help="the model package (its model.json and TorchScript file)")
    parser.add_argument("--devices", default="cuda,cpu")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fp16", action="store_true", help="also time fp16 autocast on CUDA devices")
    parser.add_argument("--batch", type=int, help="windows per network run (default: the sidecar's)")
    parser.add_argument("--tta", action="store_true", help="mirroring test-time augmentation")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    parser.add_argument(
        "--worker", default="workers/torch", help="the Python worker's folder, holding osteoflow_torch (default: %(default)s)"
    )
    args = parser.parse_args()
    worker = Path(args.worker).resolve()
    if not (worker / "osteoflow_torch" / "windows.py").is_file():
        parser.error(
            f"--worker {args.worker}: no osteoflow_torch package in {worker} (run from the repository root, or pass the worker's folder)"
        )
    sys.path.insert(0, str(worker))
    from osteoflow_torch.devices import accumulation_device, device_name, parse_device, precision_runner
    from osteoflow_torch.windows import argmax_labels, filter_components, sliding_window

    if args.threads:
        torch.set_num_threads(args.threads)
    model = Path(args.model)
    sidecar = json.loads((model / "model.json").read_text())
    labels = [c["label"] for c in sidecar["output"]["classes"]]
    devices = []
    for text in args.devices.split(","):
        try:
            devices.append(parse_device(text))
        except Exception as err:  # noqa: BLE001 — a missing device is a row, not the end of the benchmark
            print(f"skipping {text}: {err}", file=sys.stderr)
    inputs = Path(args.inputs)
    rows = []
    for meta_file in sorted(inputs.glob("*_ts.json")):
        meta = json.loads(meta_file.read_text())
        name = meta_file.name[: -len("_ts.json")]
        data = np.load(inputs / f"{name}_input.npy")
        truth = np.load(inputs / f"{name}_truth.npy")
        ts_cpu_mask = np.load(inputs / f"{name}_ts-cpu_mask.npy") if (inputs / f"{name}_ts-cpu_mask.npy").exists() else None
        ts_cpu_ms = meta["providers"].get("ts-cpu", {}).get("medianMs")
        for key, p in meta["providers"].items():
            mask = np.load(inputs / f"{name}_{key}_mask.npy")
            differ = int((mask != ts_cpu_mask).sum()) if ts_cpu_mask is not None else "–"
            speed = f"{ts_cpu_ms / p['medianMs']:.1f}×" if ts_cpu_ms else "–"
            rows.append(
                [
                    name,
                    f"TypeScript {key[3:]}" + (f" → {p['ran']}" if p["ran"] != key[3:] else ""),
                    "fp32",
                    f"{meta['windows']} / {meta['passes']}",
                    "–",
                    f"{p['medianMs']:.0f} ms (best {min(p['ms']):.0f})",
                    speed,
                    str(differ),
                    f"{dice(mask, truth):.3f}",
                ]
            )
        for device in devices:
            for precision in ["fp32"] + (["fp16"] if args.fp16 and device.type == "cuda" else []):
                t0 = time.perf_counter()
                network = torch.jit.load(str(model / sidecar["files"]["torchscript"]["path"]), map_location=device).eval()
                run = precision_runner(network, device, precision)
                load_ms = (time.perf_counter() - t0) * 1000
                C, nz, ny, nx = data.shape
                need = (C + len(labels) + 1) * nx * ny * nz * 4
                accumulate_on = accumulation_device(device, need, None, name)
                times, result = [], None
                for r in range(args.runs + 1):
                    sync(device)
                    start = time.perf_counter()
                    result = sliding_window(
                        data,
                        run,
                        patch_xyz=sidecar["input"]["patchSize"],
                        classes=len(labels),
                        overlap=sidecar["inference"]["overlap"],
                        sigma_scale=sidecar["inference"]["gaussianSigmaScale"],
                        mirror_axes=sidecar["inference"]["mirrorAxes"] if args.tta else [],
                        batch_size=args.batch or sidecar["inference"]["batchSize"],
                        device=device,
                        accumulate_on=accumulate_on,
                    )
                    sync(device)
                    if r > 0:  # run 0 warms up (cuDNN autotuning, allocator)
                        times.append((time.perf_counter() - start) * 1000)
                mask = argmax_labels(result.probabilities, labels)
                filter_components(mask, labels, {"keep": "largest"})
                differ = int((mask != ts_cpu_mask).sum()) if ts_cpu_mask is not None else "–"
                med = statistics.median(times)
                speed = f"{ts_cpu_ms / med:.1f}×" if ts_cpu_ms else "–"
                where = device_name(device) + (f" (sums on {device_name(accumulate_on)})" if accumulate_on != device else "")
                rows.append(
                    [
                        name,
                        f"Python {where}",
                        precision,
                        f"{result.windows} / {result.passes}",
                        f"{load_ms:.0f} ms",
                        f"{med:.0f} ms (best {min(times):.0f})",
                        speed,
                        str(differ),
                        f"{dice(mask, truth):.3f}",
                    ]
                )
                print(f"{name} python {where} {precision}: median {med:.0f} ms", file=sys.stderr, flush=True)
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device"
    print(
        f"{sidecar['name']}@{sidecar['version']}; sliding window only, median of {args.runs} run(s) after a warm-up; "
        f"torch {torch.__version__}, {gpu}, {torch.get_num_threads()} CPU threads{'; mirroring TTA' if args.tta else ''}"
    )
    header = [
        "volume",
        "worker / device",
        "precision",
        "windows / passes",
        "model load",
        "time",
        "vs TypeScript CPU",
        "mask voxels ≠ TypeScript CPU",
        "Dice",
    ]
    print(" | ".join(header))
    print("---|---|---|---|---|---|---|---|---")
    for row in rows:
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
