#!/usr/bin/env bash
# Trains the tiny nnU-Net v2 fixture model (Dataset501_OsteoSynth, 3d_fullres, fold 0, nnUNetTrainer_5epochs) on the
# CPU and copies the trained-model folder (dataset.json, plans.json, fold_0/checkpoint_final.pth) next to this script.
# Not run in CI: it takes about half an hour on two cores. Needs node (npx tsx) and a Python environment with
# nnunetv2==2.8.1 on PATH (the worker's venv, workers/torch), e.g.
#
#   PATH=/path/to/venv/bin:$PATH bash models/segmentation/nnunet/train_tiny.sh
#
# Everything nnU-Net writes goes to models/segmentation/nnunet/work/ (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
WORK="$HERE/work"
DATASET=Dataset501_OsteoSynth
TRAINER="${TRAINER:-nnUNetTrainer_5epochs}"
SEED="${SEED:-611}"
PATIENTS="${PATIENTS:-10}"

export nnUNet_raw="$WORK/raw" nnUNet_preprocessed="$WORK/preprocessed" nnUNet_results="$WORK/results"
# Two shared cores: one data-augmentation worker, two torch threads (run_training.py uses all cores on the CPU),
# no torch.compile (nnU-Net disables it on the CPU anyway).
export nnUNet_n_proc_DA="${nnUNet_n_proc_DA:-1}" nnUNet_def_n_proc=1 nnUNet_compile=false
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-2}"

rm -rf "$WORK"
mkdir -p "$nnUNet_raw" "$nnUNet_preprocessed" "$nnUNet_results"

echo "== raw dataset (seed $SEED, $PATIENTS patients × 3 visits)"
(cd "$REPO" && npx tsx models/segmentation/nnunet/make_raw_dataset.ts --out "$nnUNet_raw" --seed "$SEED" --patients "$PATIENTS")

echo "== plan and preprocess"
nnUNetv2_plan_and_preprocess -d 501 -c 3d_fullres --verify_dataset_integrity -np 1 -npfp 1

echo "== shrink the 3d_fullres network and patch"
python "$HERE/shrink_plans.py" "$nnUNet_preprocessed/$DATASET/nnUNetPlans.json"

echo "== train ($TRAINER, fold 0, CPU)"
start=$(date +%s)
nnUNetv2_train 501 3d_fullres 0 -tr "$TRAINER" -device cpu
echo "training took $(( $(date +%s) - start )) s"

echo "== copy the trained-model folder"
SRC="$nnUNet_results/$DATASET/${TRAINER}__nnUNetPlans__3d_fullres"
DST="$HERE/$DATASET/${TRAINER}__nnUNetPlans__3d_fullres"
rm -rf "$DST"
mkdir -p "$DST/fold_0"
cp "$SRC/dataset.json" "$SRC/plans.json" "$DST/"
cp "$SRC/fold_0/checkpoint_final.pth" "$DST/fold_0/"
ls -l "$DST" "$DST/fold_0"
