#!/usr/bin/env bash
# Prepares the GPU benchmark's carry folder, .gpu-bench/ at the repository root (git-ignored through
# .git/info/exclude): the benchmark bundled into one JavaScript file, onnxruntime-node's Linux x64 binaries, this
# machine's node binary (xz), the shipped model package and the Vulkan loader's .deb from Debian. Everything the
# GPU host (Python and a driver, no Node, no registry) needs; about 45 MB, under the device tool's 64 MiB.
# Run here, then on the GPU host: bash bench/gpu/run.sh (carry .gpu-bench).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/.gpu-bench"
model="${1:-$root/models/segmentation/packages/osteoflow-tumour-unet3d-1.0.0}"
grep -qx '/.gpu-bench/' "$root/.git/info/exclude" 2>/dev/null || echo '/.gpu-bench/' >> "$root/.git/info/exclude"
rm -rf "$out" && mkdir -p "$out/node_modules" "$out/debs"

"$root/node_modules/.bin/esbuild" "$root/bench/gpu/compare.ts" --bundle --platform=node --target=node20 \
  --external:onnxruntime-node --outfile="$out/compare.js" --log-level=warning

# onnxruntime-node with only the linux/x64 binaries (the other platforms' are 240 MB).
for pkg in onnxruntime-node onnxruntime-common; do
  mkdir -p "$out/node_modules/$pkg"
  (cd "$root/node_modules/$pkg" && tar --exclude='bin/napi-v6/darwin' --exclude='bin/napi-v6/win32' --exclude='bin/napi-v6/linux/arm64' -cf - .) | tar -xf - -C "$out/node_modules/$pkg"
done
tar -C "$out" -cJf "$out/node_modules.tar.xz" node_modules && rm -rf "$out/node_modules"

xz -T0 -c "$(command -v node)" > "$out/node.xz"
cp -r "$model" "$out/model"

# The Vulkan loader (Dawn, inside onnxruntime's WebGPU provider, needs libvulkan.so.1), amd64 as the host is.
lists=$(mktemp -d)
opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$lists")
mkdir -p "$lists/partial"
apt-get "${opts[@]}" update -qq
(cd "$out/debs" && apt-get "${opts[@]}" download libvulkan1 >/dev/null)
rm -rf "$lists"
du -sh "$out"
