"""Laying inputs out in the worker's own study folder (osteoflow_torch/storage.py): a DICOM series from its manifest
as a folder of files hard-linked from their blobs, a file from its blob, a stale copy replaced, concurrent layouts of
one series giving one complete folder; names that leave the study folder, a series whose blob is no manifest and a
missing blob refused by name, with nothing half laid out left behind."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from conftest import run_at_once, write_series

from osteoflow_torch.blobs import BlobNotFoundError, ManifestError, blob_path, put_folder
from osteoflow_torch.errors import SegmentationInputError
from osteoflow_torch.images import read_image

STUDY = "STORAGE"


def write_dicom_series(folder: Path, slices: int = 6, seed: int = 0) -> np.ndarray:
    """A random int16 series of `slices` files; returns its voxels (z, y, x)."""
    volume = np.random.default_rng(seed).integers(-1000, 2000, size=(slices, 24, 20), dtype=np.int16)
    write_series(folder, volume, spacing=(0.8, 0.8, 2.5), seed=seed)
    return volume


def leftovers(folder: Path) -> list[str]:
    """Temporary names (hidden) left in a folder."""
    return [name for name in os.listdir(folder) if name.startswith(".")]


def test_a_dicom_series_is_laid_out_from_its_manifest_as_a_folder_of_linked_files(storage, tmp_path):
    volume = write_dicom_series(tmp_path / "source")
    ref = put_folder(storage.blobs, tmp_path / "source")
    name = f"SYN-001/baseline/CT-{ref.sha256[:12]}"
    folder = storage.materialise(STUDY, name, ref.sha256, folder_expected=True)
    assert folder == storage.study_root / STUDY / "SYN-001" / "baseline" / f"CT-{ref.sha256[:12]}"
    assert sorted(os.listdir(folder)) == sorted(os.listdir(tmp_path / "source"))
    for file in folder.iterdir():
        assert file.read_bytes() == (tmp_path / "source" / file.name).read_bytes()
        blob = storage.blobs.fetch(hashlib.sha256(file.read_bytes()).hexdigest())
        assert file.stat().st_ino == blob.stat().st_ino  # hard-linked from the blob, not copied
    assert np.array_equal(sitk.GetArrayFromImage(read_image(str(folder), modality="CT")), volume)
    assert leftovers(folder.parent) == []
    # Laid out once: a second use finds it in place.
    inode = folder.stat().st_ino
    assert storage.materialise(STUDY, name, ref.sha256, folder_expected=True) == folder and folder.stat().st_ino == inode
    # A copy that no longer matches its address (a file lost) is laid out again, whole.
    (folder / "IM3.dcm").unlink()
    storage.materialise(STUDY, name, ref.sha256, folder_expected=True)
    assert sorted(os.listdir(folder)) == sorted(os.listdir(tmp_path / "source"))
    assert leftovers(folder.parent) == []


def test_concurrent_layouts_of_one_series_give_one_complete_folder(storage, tmp_path):
    write_dicom_series(tmp_path / "source", slices=12, seed=1)
    ref = put_folder(storage.blobs, tmp_path / "source")
    name = f"SYN-002/mid/CT-{ref.sha256[:12]}"
    results = []

    def lay_out() -> None:
        folder = storage.materialise(STUDY, name, ref.sha256, folder_expected=True)
        # Whatever a reader sees at its return is the whole series.
        results.append(sorted(os.listdir(folder)))

    assert run_at_once(lay_out, 8) == []
    assert results == [sorted(os.listdir(tmp_path / "source"))] * 8
    assert leftovers(storage.study_root / STUDY / "SYN-002" / "mid") == []


def test_a_file_is_laid_out_from_its_blob_and_a_stale_copy_replaced(storage, tmp_path):
    source = tmp_path / "T2.nii.gz"
    source.write_bytes(b"\x1f\x8b" + os.urandom(5000))
    ref = storage.put(source)
    name = f"SYN-003/preop/T2-{ref.sha256[:12]}.nii.gz"
    file = storage.materialise(STUDY, name, ref.sha256)
    assert file.read_bytes() == source.read_bytes()
    assert file.stat().st_ino == blob_path(storage.blobs.root, ref.sha256).stat().st_ino
    file.unlink()  # replaced by other bytes under the same name
    file.write_bytes(b"edited")
    assert storage.materialise(STUDY, name, ref.sha256).read_bytes() == source.read_bytes()
    assert leftovers(file.parent) == []
    # A folder where the file belongs (and a file where a series belongs) is moved aside and replaced.
    file.unlink()
    (file / "stray").mkdir(parents=True)
    assert storage.materialise(STUDY, name, ref.sha256).read_bytes() == source.read_bytes()
    write_dicom_series(tmp_path / "series", slices=3, seed=3)
    series = put_folder(storage.blobs, tmp_path / "series")
    where = f"SYN-003/preop/CT-{series.sha256[:12]}"
    (storage.study_root / STUDY / where).write_bytes(b"not a folder")
    assert sorted(os.listdir(storage.materialise(STUDY, where, series.sha256, folder_expected=True))) == ["IM1.dcm", "IM2.dcm", "IM3.dcm"]
    assert leftovers(file.parent) == []


def test_absolute_paths_are_used_as_they_are(storage, tmp_path):
    legacy = tmp_path / "elsewhere" / "T1CE.nii.gz"
    legacy.parent.mkdir()
    legacy.write_bytes(b"legacy bytes")
    assert storage.materialise(STUDY, str(legacy), "0" * 64) == legacy
    # Recorded on another host: the path is not here, the blob store has the address.
    ref = storage.put(legacy)
    gone = "/nonexistent/host-a/SYN-004/baseline/T1CE.nii.gz"
    fetched = storage.materialise(STUDY, gone, ref.sha256)
    assert fetched == storage.study_root / STUDY / ".fetched" / ref.sha256 / "T1CE.nii.gz" and fetched.read_bytes() == b"legacy bytes"
    # Neither here nor in the store: returned as it is, for the reader to name it.
    assert storage.materialise(STUDY, gone, "1" * 64) == Path(gone)


@pytest.mark.parametrize("name", ["../other/T1.nii.gz", "SYN-001/../../x.nii.gz", "SYN-001/./T1.nii.gz", "SYN-001//T1.nii.gz", " "])
def test_a_name_that_leaves_or_blurs_the_study_folder_is_refused(storage, name):
    with pytest.raises(SegmentationInputError, match="is not a store-relative path.*field: images\\[\\]\\.path"):
        storage.materialise(STUDY, name, "0" * 64)
    assert not (storage.study_root / "other").exists()


def test_a_series_whose_blob_is_not_a_manifest_is_refused_with_the_reason(storage, tmp_path):
    source = tmp_path / "not-a-series"
    source.write_bytes(b"NIfTI bytes, not a manifest")
    ref = storage.put(source)
    with pytest.raises(ManifestError, match=f"folder manifest {ref.sha256}, line 1: .* is not a manifest line"):
        storage.materialise(STUDY, f"SYN-005/baseline/CT-{ref.sha256[:12]}", ref.sha256, folder_expected=True)
    assert not (storage.study_root / STUDY / "SYN-005" / "baseline" / f"CT-{ref.sha256[:12]}").exists()


def test_a_missing_blob_is_named_and_a_series_missing_one_file_leaves_nothing(storage, tmp_path):
    absent = "ab" * 32
    with pytest.raises(BlobNotFoundError, match=f"blob {absent} in the blob folder .*: no such blob"):
        storage.materialise(STUDY, "SYN-006/baseline/T1.nii.gz", absent)
    write_dicom_series(tmp_path / "source", slices=3, seed=2)
    ref = put_folder(storage.blobs, tmp_path / "source")
    lost = blob_path(storage.blobs.root, hashlib.sha256((tmp_path / "source" / "IM2.dcm").read_bytes()).hexdigest())
    lost.unlink()
    with pytest.raises(BlobNotFoundError, match=f"blob {lost.name} in the blob folder"):
        storage.materialise(STUDY, f"SYN-006/baseline/CT-{ref.sha256[:12]}", ref.sha256, folder_expected=True)
    assert os.listdir(storage.study_root / STUDY / "SYN-006" / "baseline") == []
