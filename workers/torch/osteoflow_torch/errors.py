"""Failures the segmentTumour activity reports by name. The names are the TypeScript worker's (models/segmentation/
errors.ts): the Timepoint workflow lists SegmentationInputError and SegmentationModelError as non-retryable, so a
person is asked to act instead of the same bad input being tried five times."""

from __future__ import annotations


class SegmentationError(Exception):
    """Base: `field` and `expected` say what was wrong and what was wanted; `file` names the file, when one was."""

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None, expected: str | None = None):
        parts = [message]
        if file:
            parts.append(f"file: {file}")
        if field:
            parts.append(f"field: {field}")
        if expected:
            parts.append(f"expected: {expected}")
        super().__init__("; ".join(parts))
        self.file, self.field, self.expected = file, field, expected


class SegmentationInputError(SegmentationError):
    """The activity's input cannot be segmented by this model (missing modality, image too small or too large …)."""


class SegmentationModelError(SegmentationError):
    """A model folder is unusable (missing or corrupt file, unknown format) or not served by this worker."""


class SettingsError(SegmentationError):
    """A setting the worker needs is missing or names a file that is not there; raised at start, before the worker polls."""


class DeviceError(SegmentationError):
    """The device setting names a device this host does not have; raised at start, before the worker polls."""


class WorkerShuttingDown(Exception):
    """Raised between batches when the worker is stopping and its grace period ran out: the activity fails
    retryably, so Temporal hands the segmentation to the next worker that polls the queue."""
