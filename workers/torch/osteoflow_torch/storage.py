"""Where the worker's files live: its own study folder (`<study root>/<studyId>/<store-relative path>`) and the blob
store. An input named by a store-relative path and a sha256 is laid out in the study folder from the blob store when
it is not there yet (or no longer matches its address): a file is hard-linked from the local blob where possible,
else copied; a folder manifest becomes a folder of files. Both appear in one rename, so a concurrent activity never
sees half a series. Absolute paths (input scheduled by earlier versions) are used as they are."""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import shutil
from pathlib import Path, PurePosixPath

from .blobs import (
    BlobRef,
    BlobStore,
    LocalFolderBlobStore,
    ManifestError,
    PostgresBlobStore,
    copy_hashing,
    folder_manifest,
    hash_file,
    manifest_of_blob,
    parse_manifest,
    temporary_beside,
)
from .errors import SegmentationInputError, SettingsError
from .settings import BLOB_CACHE_VARIABLE, BLOB_DIR_VARIABLE, STUDY_ROOT_VARIABLE, Settings

log = logging.getLogger("osteoflow.torch")


def relative_parts(path: str, field: str) -> PurePosixPath:
    """A store-relative path, checked to stay inside the study folder."""
    parts = PurePosixPath(path)
    if path.strip() == "" or any(p in ("", ".", "..") for p in path.split("/")) or "\\" in path or "\0" in path:
        raise SegmentationInputError(
            f"{path!r} is not a store-relative path", field=field, expected="<pseudonym>/<timepoint>/<name>, no '.' or '..' parts"
        )
    return parts


def _link_or_copy(blob: Path, target: Path, sha256: str) -> None:
    """`target` (new) holds the blob's bytes: a hard link to it where the file system allows, else a checked copy."""
    try:
        os.link(blob, target)
        return
    except OSError:
        pass  # another file system, or links refused: copy
    got = copy_hashing(blob, target)
    if got.sha256 != sha256:
        target.unlink(missing_ok=True)
        raise RuntimeError(f"the copy of blob {sha256} at {target} hashes to {got.sha256}: the blob changed while it was copied")


def _move_aside(path: Path) -> Path:
    """Renames a stale copy out of the way (one rename: a reader sees the old copy or none), to be removed after."""
    stale = temporary_beside(path.with_name(f"{path.name}.stale"))
    os.rename(path, stale)
    return stale


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def local_address(path: Path) -> str | None:
    """The address of what is at `path`: a file's sha256, a folder's manifest hash; None when nothing is there."""
    if path.is_dir():
        return hashlib.sha256(folder_manifest(path)).hexdigest()
    if path.is_file():
        return hash_file(path).sha256
    return None


class Storage:
    def __init__(self, study_root: Path, blobs: BlobStore):
        self.study_root = Path(study_root)
        self.blobs = blobs
        self.study_root.mkdir(parents=True, exist_ok=True)

    def study_folder(self, study_id: str) -> Path:
        return self.study_root / study_id

    def local_path(self, study_id: str, path: str, field: str) -> Path:
        """Where a path of the input lies on this host: an absolute path as it is, else in the study folder."""
        if os.path.isabs(path):
            return Path(path)
        return self.study_folder(study_id) / relative_parts(path, field)

    def materialise(self, study_id: str, path: str, sha256: str, *, folder_expected: bool = False, field: str = "images[].path") -> Path:
        """The input's file or folder on this host. Absolute: as it is (where it is missing but the blob store holds its
        address, laid out from there). Relative: in the study folder, laid out from the blob store when it is absent or
        differs from its address. `folder_expected`: the blob must be a folder manifest
        (its name says a DICOM series), and a blob that does not parse as one is refused with the reason."""
        target = self.local_path(study_id, path, field)
        if os.path.isabs(path):
            if target.exists() or not self.blobs.has(sha256):
                return target  # as it is (a missing one is reported by the reader, naming it)
            # Recorded on another host: laid out from the blob store beside the study's files, under its address.
            target = self.study_folder(study_id) / ".fetched" / sha256 / target.name
        present = local_address(target)
        if present == sha256:
            return target
        blob = self.blobs.fetch(sha256)
        entries = manifest_of_blob(blob, sha256)
        if entries is None and folder_expected:
            parse_manifest(blob.read_bytes(), sha256)  # raises with the line and what was expected
            raise ManifestError(f"blob {sha256} for {path} is not a folder manifest", field=field)
        if present is not None:
            log.warning("%s differs from its address %s: laid out again from the blob store", target, sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if entries is None:
            if target.is_dir():
                _remove(_move_aside(target))  # a stale folder where the file goes
            temporary = temporary_beside(target)
            try:
                _link_or_copy(blob, temporary, sha256)
                os.replace(temporary, target)  # atomic, also over a stale copy
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
            return target
        temporary = temporary_beside(target)
        try:
            temporary.mkdir()
            for name, file_sha in entries:
                _link_or_copy(self.blobs.fetch(file_sha), temporary / name, file_sha)
            self._place_folder(temporary, target, sha256)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        return target

    def _place_folder(self, temporary: Path, target: Path, sha256: str) -> None:
        """Renames the complete folder into place. A folder already there that matches (another activity laid it out
        meanwhile) is kept; a stale one is moved aside first and removed after."""
        try:
            os.rename(temporary, target)
            return
        except OSError:
            if not target.exists():
                raise
        if local_address(target) == sha256:
            return
        stale = _move_aside(target)
        try:
            os.rename(temporary, target)
        finally:
            _remove(stale)

    def output_folder(self, study_id: str, out_dir: str) -> tuple[Path, str | None]:
        """The folder a result is written into, and its store-relative name (None for an absolute, legacy outDir)."""
        local = self.local_path(study_id, out_dir, "outDir")
        return local, None if os.path.isabs(out_dir) else posixpath.normpath(out_dir)

    def put(self, file: Path) -> BlobRef:
        return self.blobs.put(file)


def open_storage(settings: Settings) -> Storage:
    """The study folder and blob store the settings name; a PostgreSQL store is checked (reachable, its tables created
    by the TypeScript side) before the worker polls."""
    variable = STUDY_ROOT_VARIABLE
    try:
        if settings.store is not None:
            variable = BLOB_CACHE_VARIABLE
            blobs: BlobStore = PostgresBlobStore(settings.store, settings.blob_cache)
            blobs.check()
        else:
            variable = BLOB_DIR_VARIABLE
            blobs = LocalFolderBlobStore(settings.blob_dir)
        variable = STUDY_ROOT_VARIABLE
        return Storage(settings.study_root, blobs)
    except OSError as err:
        raise SettingsError(f"{variable}: the folder cannot be made: {err.strerror}", file=err.filename, field=variable) from None
