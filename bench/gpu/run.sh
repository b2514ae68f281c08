#!/usr/bin/env bash
# On the GPU host, in the repository root, with .gpu-bench/ carried there (bench/gpu/pack.sh made it):
# unpacks Node, onnxruntime-node and the Vulkan loader, points the loader at NVIDIA's driver, and runs the CPU vs
# WebGPU comparison, then the Python worker (PyTorch) on CUDA and the CPU on the same inputs (torch_bench.py).
# Extra arguments go to compare.js (e.g. --runs 5 --providers cpu,webgpu,cuda --tta); --runs and --tta to both.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bench="$root/.gpu-bench"
work=$(mktemp -d)
xz -dc "$bench/node.xz" > "$work/node" && chmod +x "$work/node"
tar -C "$work" -xJf "$bench/node_modules.tar.xz"
cp "$bench/compare.js" "$work/"
if ! ldconfig -p | grep -q libvulkan.so.1; then
  # Unpacked beside the run, not into /: Dawn dlopens libvulkan.so.1 through the library path.
  for deb in "$bench"/debs/*.deb; do dpkg -x "$deb" "$work/vulkan"; done
  export LD_LIBRARY_PATH="$work/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA's Vulkan driver manifest where the host's container runtime puts it (/usr/local/nvidia/... on the lent hosts).
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
done
echo "node $("$work/node" --version); VK_DRIVER_FILES=${VK_DRIVER_FILES:-none found}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
(cd "$work" && "$work/node" compare.js --model "$bench/model" --save "$work/saved" "$@")
# The Python worker's sliding window on the same prepared inputs, on CUDA (fp32 and fp16) and the CPU, with the
# host's own python3 and torch (numpy, scipy and torch suffice: bench/gpu/torch_bench.py).
runs=3; tta=()
while [ $# -gt 0 ]; do case "$1" in --runs) runs="$2"; shift 2 ;; --tta) tta=(--tta); shift ;; *) shift ;; esac; done
python3 "$root/bench/gpu/torch_bench.py" --worker "$root/workers/torch" --inputs "$work/saved" --model "$bench/model" --devices cuda,cpu --fp16 --runs "$runs" "${tta[@]}"
