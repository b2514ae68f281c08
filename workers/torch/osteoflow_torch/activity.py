"""The segmentTumour activity (contract: contracts/segmentation.schema.json), the Python twin of
activities/segmentation/activities.ts: the images the model's channels name, laid out in the worker's own study folder
from the blob store by their store-relative path and sha256 → the model → the mask in the timepoint's folder there,
put into the blob store and returned by store-relative path and sha256, with what ran it. Absolute paths (input
scheduled by earlier versions) are used as they are. Bad input fails non-retryably with its reason; an empty mask is a
failed QC."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import SimpleITK as sitk
from temporalio import activity
from temporalio.exceptions import ApplicationError

from .contract import CONTRACT_VERSION
from .errors import SegmentationError, SegmentationInputError, WorkerShuttingDown
from .images import SUFFIXES, read_image, write_mask
from .server import ModelServer
from .storage import Storage

log = logging.getLogger("osteoflow.torch")


class EmptyMask(Exception):
    """The model found no tumour: a failed QC, a person registers a manual mask."""


def mask_file_name(name: str, version: str, sha256: str) -> str:
    """Carries the mask's address, so another mask of the same model never takes its name (as the TypeScript worker)."""
    return f"mask.auto.{name}-{version}-{sha256[:12]}.nii.gz"


def segment(
    request: dict,
    server: ModelServer,
    storage: Storage,
    *,
    tta_default: bool = False,
    progress: Callable[[int, int], None] = lambda done, total: None,
    should_stop: Callable[[], bool] = lambda: False,
    worker_id: str | None = None,
) -> dict:
    """The activity without Temporal: checks the input, segments, writes the mask, returns the contract's result."""
    problems = server.contract.problems("input", request)
    if problems:
        raise SegmentationInputError(
            f"segmentTumour input does not match the contract: {problems}",
            field="input",
            expected="contracts/segmentation.schema.json $defs/input",
        )
    model = server.resolve(request.get("model"))
    by_modality = {image["modality"]: image for image in request["images"]}
    missing = [m for m in model.channels if m not in by_modality]
    if missing:
        raise SegmentationInputError(
            f"model {model.ref} needs {' + '.join(model.channels)}; "
            f"the timepoint has no {', '.join(missing)} (it has {', '.join(by_modality)})",
            field="images",
            expected=f"images of {', '.join(model.channels)}",
        )
    study = request["studyId"]
    local = {
        m: str(
            storage.materialise(
                study,
                by_modality[m]["path"],
                by_modality[m]["sha256"],
                # A name without an image file's suffix is a DICOM series: its blob must be a folder manifest.
                folder_expected=not by_modality[m]["path"].lower().endswith(SUFFIXES),
            )
        )
        for m in model.channels
    }
    images = [read_image(local[m], modality=m) for m in model.channels]
    tta = request.get("tta", tta_default)
    with server.slots:
        outcome = model.segment(images, tta=tta, progress=progress, should_stop=should_stop, source=local[model.channels[0]])
    mask = sitk.GetArrayViewFromImage(outcome.mask)
    voxels = int(np.count_nonzero(mask))
    if voxels == 0:
        raise EmptyMask(f"automatic segmentation ({model.ref}) found no tumour: register a manual mask")
    folder, relative = storage.output_folder(study, request["outDir"])
    # Written beside, then renamed to its content-addressed name: a reader never sees half a mask.
    partial = folder / f".mask.{os.getpid()}.{threading.get_ident()}.partial.nii.gz"
    sha256 = write_mask(outcome.mask, str(partial), f"osteoflow {model.ref} automatic mask")
    name = mask_file_name(model.name, model.version, sha256)
    file = folder / name
    os.replace(partial, file)
    # Into the blob store before it is reported: whichever host reads the result fetches it by this address.
    stored = storage.put(file)
    if stored.sha256 != sha256:
        raise RuntimeError(f"{file} changed while it was stored: its sha256 is {stored.sha256}, not {sha256}")
    sx, sy, sz = outcome.mask.GetSpacing()
    result = {
        "contractVersion": CONTRACT_VERSION,
        "mask": {"path": str(file) if relative is None else f"{relative}/{name}", "sha256": sha256},
        "model": {"name": model.name, "version": model.version},
        "tumourVoxels": voxels,
        "tumourMl": voxels * sx * sy * sz / 1000,
        "device": model.device,
        "precision": model.precision,
        "runtime": server.runtime + (" + nnunetv2" if model.kind == "nnunet-v2" else ""),
        **({"fallback": server.fallback} if server.fallback else {}),
        "tta": tta,
        "windows": outcome.windows,
        "passes": outcome.passes,
        "timings": {"totalMs": round(outcome.total_ms), "inferenceMs": round(outcome.inference_ms)},
        "worker": worker_id or f"{socket.gethostname()}:{os.getpid()}",
    }
    bad = server.contract.problems("result", result)
    if bad:
        raise RuntimeError(f"segmentTumour result does not match the contract: {bad}")
    return result


@dataclass
class Shutdown:
    """When the worker began to stop and how long a running segmentation may still take before it is handed back."""

    grace_s: float
    started: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self) -> None:
        with self.lock:
            self.started = self.started or time.monotonic()

    def expired(self) -> bool:
        return self.started is not None and time.monotonic() - self.started >= self.grace_s


def make_activity(server: ModelServer, storage: Storage, *, tta_default: bool, shutdown: Shutdown):
    @activity.defn(name="segmentTumour")
    def segment_tumour(request: dict) -> dict:
        info = activity.info()

        def progress(done: int, total: int) -> None:
            activity.heartbeat({"stage": "inference", "done": done, "total": total})

        def should_stop() -> bool:
            return shutdown.expired()

        try:
            activity.heartbeat({"stage": "reading"})
            result = segment(request, server, storage, tta_default=tta_default, progress=progress, should_stop=should_stop)
        except EmptyMask as err:
            raise ApplicationError(str(err), {"passed": False, "reasons": [str(err)]}, type="QcFailed", non_retryable=True) from None
        except WorkerShuttingDown as err:
            # Retryable: the server gives the segmentation to the next worker that polls the queue.
            log.warning("handing back segmentTumour of %s attempt %d: %s", info.workflow_id, info.attempt, err)
            raise ApplicationError(
                f"worker {socket.gethostname()}:{os.getpid()} shut down mid-segmentation: {err}", type="WorkerShuttingDown"
            ) from None
        except SegmentationError as err:
            raise ApplicationError(str(err), type=type(err).__name__, non_retryable=True) from None
        log.info(
            "segmented %s/%s/%s with %s on %s (%s) in %d ms, %.1f ml",
            request["studyId"],
            request["pseudonym"],
            request["timepoint"],
            result["model"]["name"],
            result["device"],
            result["precision"],
            result["timings"]["totalMs"],
            result["tumourMl"],
        )
        return result

    return segment_tumour
