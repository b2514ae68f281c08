#!/usr/bin/env bash
# Dice of the committed tiny nnU-Net folder on the held-out synthetic visits (seed 4242, SYN-001 … SYN-003 × baseline,
# mid, preop: the cases tests/unit/segmentation/modelDice.test.ts scores the shipped ONNX model on), two ways:
#   1. nnU-Net's own predictor from files: nnUNetv2_predict_from_modelfolder on NIfTI files (no TTA, CPU);
#   2. the worker's loader, workers/torch/osteoflow_torch/models/nnunet.py, on in-memory SimpleITK images.
# Not run in CI. Needs node (npx tsx) and nnunetv2==2.8.1 on PATH, like train_tiny.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
MODEL="$HERE/Dataset501_OsteoSynth/nnUNetTrainer_5epochs__nnUNetPlans__3d_fullres"
OUT="$HERE/work/heldout"
export nnUNet_raw="$HERE/work/raw" nnUNet_preprocessed="$HERE/work/preprocessed" nnUNet_results="$HERE/work/results"
export nnUNet_def_n_proc=1 OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"

rm -rf "$OUT"
mkdir -p "$OUT/imagesTs" "$OUT/truth" "$OUT/pred"
for p in SYN-001 SYN-002 SYN-003; do
  for t in baseline mid preop; do
    case="heldout_${p/-/}_$t"
    (cd "$REPO" && npx tsx workers/torch/tests/render_visit.ts --seed 4242 --patients 3 --pseudonym "$p" --timepoint "$t" \
      --modalities T1CE,T2 --out "$OUT/visits/$case" >/dev/null)
    cp "$OUT/visits/$case/T1CE.nii.gz" "$OUT/imagesTs/${case}_0000.nii.gz"
    cp "$OUT/visits/$case/T2.nii.gz" "$OUT/imagesTs/${case}_0001.nii.gz"
    cp "$OUT/visits/$case/mask.nii.gz" "$OUT/truth/$case.nii.gz"
  done
done

start=$(date +%s.%N)
nnUNetv2_predict_from_modelfolder -i "$OUT/imagesTs" -o "$OUT/pred" -m "$MODEL" -f 0 -chk checkpoint_final.pth \
  -device cpu --disable_tta -npp 1 -nps 1 --disable_progress_bar
echo "nnUNetv2_predict_from_modelfolder: $(echo "$(date +%s.%N) - $start" | bc) s for 9 visits"

PYTHONPATH="$REPO/workers/torch${PYTHONPATH:+:$PYTHONPATH}" python - "$OUT" "$MODEL" <<'PY'
import glob, os, sys, time
import numpy as np, SimpleITK as sitk, torch
from osteoflow_torch.models.nnunet import load_nnunet_folder

out, model_dir = sys.argv[1], sys.argv[2]
dice = lambda a, b: float(2 * np.logical_and(a > 0, b > 0).sum() / max(1, (a > 0).sum() + (b > 0).sum()))
model = load_nnunet_folder(model_dir, device=torch.device("cpu"))
print(f"{model.ref} channels {model.channels}")
rows = []
for truth_file in sorted(glob.glob(os.path.join(out, "truth", "*.nii.gz"))):
    case = os.path.basename(truth_file)[: -len(".nii.gz")]
    truth = sitk.GetArrayFromImage(sitk.ReadImage(truth_file))
    from_files = sitk.GetArrayFromImage(sitk.ReadImage(os.path.join(out, "pred", f"{case}.nii.gz")))
    images = [sitk.ReadImage(os.path.join(out, "visits", case, f"{c}.nii.gz")) for c in model.channels]
    outcome = model.segment(images, tta=False, progress=lambda d, t: None, should_stop=lambda: False)
    in_memory = sitk.GetArrayFromImage(outcome.mask)
    rows.append((case, dice(from_files, truth), dice(in_memory, truth), int((from_files != in_memory).sum()), outcome))
print(f"{'visit':28} {'Dice nnUNetv2_predict':>22} {'Dice worker loader':>19} {'voxels differing':>17} windows passes  ms")
for case, a, b, diff, o in rows:
    print(f"{case:28} {a:22.3f} {b:19.3f} {diff:17d} {o.windows:7d} {o.passes:6d} {o.total_ms:5.0f}")
print(f"mean Dice: nnUNetv2_predict {np.mean([r[1] for r in rows]):.3f}, loader {np.mean([r[2] for r in rows]):.3f}; "
      f"min {min(r[1] for r in rows):.3f} / {min(r[2] for r in rows):.3f}")
PY
