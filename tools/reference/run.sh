#!/usr/bin/env bash
# Regenerates the reference fixtures of tests/unit/models from established implementations:
#   inputs.json            make_inputs.py (seeded numpy data + published data sets)
#   python-reference.json  python_reference.py (scikit-learn, SciPy, statsmodels, pingouin, dcurves, mrmr-selection)
#   r-reference.json       r_reference.R (pROC, glmnet, psych, rms; Hosmer-Lemeshow as ResourceSelection)
# Python packages are pinned in requirements.txt and installed into tools/reference/.venv-reference (git-ignored).
# R comes from Debian: apt-get install --no-install-recommends r-base-core r-cran-proc r-cran-glmnet r-cran-psych r-cran-rms r-cran-jsonlite
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fixtures="$here/../../tests/unit/models/fixtures"
venv="$here/.venv-reference"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet -r "$here/requirements.txt"
if ! command -v Rscript >/dev/null; then
  echo "Rscript not found: apt-get install --no-install-recommends r-base-core r-cran-proc r-cran-glmnet r-cran-psych r-cran-rms r-cran-jsonlite" >&2
  exit 1
fi
mkdir -p "$fixtures"
"$venv/bin/python" "$here/make_inputs.py" "$fixtures/inputs.json"
"$venv/bin/python" "$here/python_reference.py" "$fixtures/inputs.json" "$fixtures/python-reference.json"
Rscript "$here/r_reference.R" "$fixtures/inputs.json" "$fixtures/r-reference.json"
echo "reference fixtures written to $fixtures"
