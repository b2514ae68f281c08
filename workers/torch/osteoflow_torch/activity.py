"""The segmentTumour activity (contract: contracts/segmentation.schema.json), the Python twin of
activities/segmentation/activities.ts: the images the model's channels name → the model → the mask beside the
timepoint's scans, with what ran it. Bad input fails non-retryably with its reason; an empty mask is a failed QC."""

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
from .images import read_image, write_mask
from .server import ModelServer

log = logging.getLogger("osteoflow.torch")


class EmptyMask(Exception):
    """The model found no tumour: a failed QC, a person registers a manual mask."""


def mask_file_name(name: str, version: str) -> str:
    return f"mask.auto.{name}-{version}.nii.gz"


def segment(
    request: dict,
    server: ModelServer,
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
    images = [read_image(by_modality[m]["path"], modality=m) for m in model.channels]
    tta = request.get("tta", tta_default)
    with server.slots:
        outcome = model.segment(images, tta=tta, progress=progress, should_stop=should_stop, source=by_modality[model.channels[0]]["path"])
    mask = sitk.GetArrayViewFromImage(outcome.mask)
    voxels = int(np.count_nonzero(mask))
    if voxels == 0:
        raise EmptyMask(f"automatic segmentation ({model.ref}) found no tumour: register a manual mask")
    file = os.path.join(request["outDir"], mask_file_name(model.name, model.version))
    sha256 = write_mask(outcome.mask, file, f"osteoflow {model.ref} automatic mask")
    sx, sy, sz = outcome.mask.GetSpacing()
    result = {
        "contractVersion": CONTRACT_VERSION,
        "mask": {"path": file, "sha256": sha256},
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


def make_activity(server: ModelServer, *, tta_default: bool, shutdown: Shutdown):
    @activity.defn(name="segmentTumour")
    def segment_tumour(request: dict) -> dict:
        info = activity.info()

        def progress(done: int, total: int) -> None:
            activity.heartbeat({"stage": "inference", "done": done, "total": total})

        def should_stop() -> bool:
            return shutdown.expired()

        try:
            activity.heartbeat({"stage": "reading"})
            result = segment(request, server, tta_default=tta_default, progress=progress, should_stop=should_stop)
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
