"""Reference values for osteoflow's filters (image types), computed by PyRadiomics 3.1.

usage (from the repository root): .venv-bench/bin/python bench/pyradiomics/filterFixtures.py [REFERENCE_DIR] [OUT_DIR]

REFERENCE_DIR defaults to $OSTEOFLOW_REFERENCE_DATA or ../shared/data; OUT_DIR to tests/fixtures/radiomics/filters (both
relative to the current directory).
Needs the benchmark venv (npm run bench:radiomics creates .venv-bench with PyRadiomics 3.1.0) plus scikit-image for
lbp-2D: .venv-bench/bin/pip install scikit-image. Writes one JSON file per configuration: the parameters (read
unchanged by osteoflow's extractor), the image and mask files, the versions of PyRadiomics and of the libraries its
filters run on, and every feature PyRadiomics computed (NaN written as the string "NaN").
"""

import json
import logging
import os
import sys

import numpy
import pywt
import SimpleITK as sitk
import skimage

import radiomics
from radiomics import featureextractor

INTENSITY_CLASSES = {name: [] for name in ("firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm")}

# Every filter with PyRadiomics' defaults; LBP codes are small integers, so lbp-2D gets bin width 1.
ALL_FILTERS = {
    "LoG": {"sigma": [1.0, 3.0, 5.0]},
    "Wavelet": {},
    "Square": {},
    "SquareRoot": {},
    "Logarithm": {},
    "Exponential": {},
    "Gradient": {},
    "LBP2D": {"binWidth": 1},
}

CONFIGS = [
    *[
        {
            "name": f"{case}-all",
            "image": f"pyradiomics/{case}_image.nrrd",
            "mask": f"pyradiomics/{case}_label.nrrd",
            "params": {"setting": {"label": 1}, "imageType": ALL_FILTERS, "featureClass": INTENSITY_CLASSES},
        }
        for case in ("brain1", "brain2", "breast1")
    ],
    # 2D extraction: the wavelet leaves force2Ddimension's axis out (two-letter names), levels from start_level 1;
    # gradient without spacing; another LBP method, radius and sample count; small sigmas.
    {
        "name": "breast1-2d-levels",
        "image": "pyradiomics/breast1_image.nrrd",
        "mask": "pyradiomics/breast1_label.nrrd",
        "params": {
            "setting": {"label": 1, "force2D": True, "force2Ddimension": 0, "binWidth": 10},
            "imageType": {
                "Wavelet": {"start_level": 1, "level": 2},
                "Gradient": {"gradientUseSpacing": False},
                "LBP2D": {"lbp2DMethod": "ror", "lbp2DRadius": 1.5, "lbp2DSamples": 6, "binWidth": 4},
                "LoG": {"sigma": [0.5, 2.5]},
            },
            "featureClass": INTENSITY_CLASSES,
        },
    },
    # Filters on a resampled (B-spline, 2 mm) and cropped image.
    {
        "name": "brain1-resampled",
        "image": "pyradiomics/brain1_image.nrrd",
        "mask": "pyradiomics/brain1_label.nrrd",
        "params": {
            "setting": {"label": 1, "resampledPixelSpacing": [2, 2, 2], "interpolator": "sitkBSpline"},
            "imageType": {"LoG": {"sigma": [1.0, 3.0]}, "Wavelet": {}, "Exponential": {}},
            "featureClass": INTENSITY_CLASSES,
        },
    },
    # Filters on a pre-cropped image: the wavelet transform wraps around the small crop.
    {
        "name": "brain2-precrop",
        "image": "pyradiomics/brain2_image.nrrd",
        "mask": "pyradiomics/brain2_label.nrrd",
        "params": {
            "setting": {"label": 1, "preCrop": True, "padDistance": 3},
            "imageType": {"Wavelet": {}, "LoG": {"sigma": [2.0]}, "SquareRoot": {}, "Logarithm": {}},
            "featureClass": INTENSITY_CLASSES,
        },
    },
    # PyRadiomics' wavelet test phantoms, whole and pre-cropped with padDistance 6 as its test_wavelet.py does.
    *[
        {
            "name": f"wavelet-phantom-{n}{suffix}",
            "image": f"pyradiomics/wavelet_phantom/test-image_{n}x{n}x{n}.nrrd",
            "mask": f"pyradiomics/wavelet_phantom/test-mask_{n}x{n}x{n}.nrrd",
            "params": {"setting": {"label": 1, **extra}, "imageType": {"Wavelet": {}}, "featureClass": INTENSITY_CLASSES},
        }
        for n in (37, 64)
        for suffix, extra in (("", {}), ("-precrop", {"preCrop": True, "padDistance": 6}))
    ],
]


def versions():
    return {
        "pyradiomics": radiomics.__version__,
        "SimpleITK": sitk.Version.VersionString(),
        "PyWavelets": pywt.__version__,
        "scikit-image": skimage.__version__,
        "numpy": numpy.__version__,
        "python": sys.version.split()[0],
    }


def number(value):
    value = float(value)
    return "NaN" if numpy.isnan(value) else value


def main():
    reference = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OSTEOFLOW_REFERENCE_DATA", os.path.join("..", "shared", "data"))
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join("tests", "fixtures", "radiomics", "filters")
    if len(sys.argv) <= 2 and not os.path.isdir(os.path.dirname(out_dir)):
        sys.exit(f"{os.path.dirname(out_dir)} not found: run from the repository root, or pass REFERENCE_DIR and OUT_DIR")
    if radiomics.__version__ != "v3.1.0":
        sys.exit(f"PyRadiomics {radiomics.__version__} found, expected v3.1.0 (the benchmark venv)")
    radiomics.setVerbosity(logging.ERROR)
    os.makedirs(out_dir, exist_ok=True)
    for config in CONFIGS:
        extractor = featureextractor.RadiomicsFeatureExtractor(json.loads(json.dumps(config["params"])))
        result = extractor.execute(os.path.join(reference, config["image"]), os.path.join(reference, config["mask"]))
        features = {k: number(v) for k, v in result.items() if not k.startswith("diagnostics_")}
        fixture = {
            "generator": "bench/pyradiomics/filterFixtures.py",
            "versions": versions(),
            "image": config["image"],
            "mask": config["mask"],
            "params": config["params"],
            "features": features,
        }
        path = os.path.join(out_dir, f"{config['name']}.json")
        with open(path, "w") as f:
            json.dump(fixture, f, indent=1, sort_keys=False)
            f.write("\n")
        print(f"{path}: {len(features)} features")


if __name__ == "__main__":
    main()
