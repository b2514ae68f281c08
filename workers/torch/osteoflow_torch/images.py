"""Image I/O for the worker, through SimpleITK: NIfTI and NRRD files and DICOM series folders, in ITK's LPS world
coordinates as the TypeScript reader (imaging/io) gives them; masks written beside, then renamed, as uint8 NIfTI."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import SimpleITK as sitk

from .errors import SegmentationInputError

SUFFIXES = (".nii", ".nii.gz", ".nrrd", ".nhdr")


def read_image(path: str, *, modality: str) -> sitk.Image:
    """One 3D image; a missing, unreadable or non-3D file is an input error naming the file and the modality."""
    p = Path(path)
    if not p.exists():
        raise SegmentationInputError(
            f"the {modality} image is not there",
            file=path,
            field="images[].path",
            expected="a file or DICOM folder on storage shared with the pipeline worker",
        )
    try:
        if p.is_dir():
            reader = sitk.ImageSeriesReader()
            series = reader.GetGDCMSeriesIDs(str(p))
            if len(series) != 1:
                raise SegmentationInputError(
                    f"the {modality} DICOM folder holds {len(series)} series",
                    file=path,
                    field="images[].path",
                    expected="exactly one series",
                )
            reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(p), series[0]))
            image = reader.Execute()
        elif p.name.lower().endswith(SUFFIXES):
            image = sitk.ReadImage(str(p))
        else:
            raise SegmentationInputError(
                f"the {modality} image has an unknown format",
                file=path,
                field="images[].path",
                expected=f"{', '.join(SUFFIXES)} or a DICOM folder",
            )
    except RuntimeError as err:
        raise SegmentationInputError(
            f"the {modality} image cannot be read: {str(err).strip().splitlines()[-1]}", file=path, field="images[].path"
        ) from err
    if image.GetDimension() != 3 or image.GetNumberOfComponentsPerPixel() != 1:
        raise SegmentationInputError(
            f"the {modality} image is {image.GetDimension()}D with {image.GetNumberOfComponentsPerPixel()} component(s)",
            file=path,
            field="images[].path",
            expected="a 3D scalar image",
        )
    return image


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_mask(mask: sitk.Image, path: str, description: str) -> str:
    """Writes beside, then renames: a reader never sees half a mask, and a retry replaces it whole. Returns its sha256."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.{os.getpid()}.partial.nii.gz"
    out = sitk.Cast(mask, sitk.sitkUInt8)
    out.SetMetaData("descrip", description[:79])
    sitk.WriteImage(out, partial, useCompression=True)
    os.replace(partial, path)
    return sha256_file(path)
