"""The models one worker process serves, each loaded once on the worker's one device, the contract it serves them
under, and a bound on how many segmentations run at once on it (they share the device's memory)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import torch

from .contract import Contract
from .devices import device_name, parse_device
from .errors import SegmentationModelError
from .models import LoadedModel, load_model
from .settings import Settings


@dataclass
class DeviceChoice:
    device: torch.device
    # why the device is not the one preferred (no setting, no CUDA here)
    fallback: str | None


def choose_device(setting: str | None) -> DeviceChoice:
    if setting is not None:
        return DeviceChoice(parse_device(setting), None)
    if torch.cuda.is_available():
        return DeviceChoice(torch.device("cuda", 0), None)
    return DeviceChoice(torch.device("cpu"), f"no CUDA device on this host (torch {torch.__version__}); OSTEOFLOW_TORCH_DEVICE unset")


class ModelServer:
    def __init__(self, settings: Settings):
        self.contract = Contract(settings.contract_file)
        choice = choose_device(settings.device)
        self.device, self.fallback = choice.device, choice.fallback
        if settings.threads:
            torch.set_num_threads(settings.threads)
        self.models: list[LoadedModel] = []
        for folder in settings.models:
            model = load_model(
                folder,
                device=self.device,
                sidecar_schema=settings.sidecar_schema_file,
                precision=settings.precision,
                memory_limit_mb=settings.memory_limit_mb,
            )
            if any(m.ref == model.ref for m in self.models):
                raise SegmentationModelError(f"{model.ref} is named twice", file=folder, field="OSTEOFLOW_TORCH_MODELS")
            self.models.append(model)
        if not self.models:
            raise SegmentationModelError("no model folder to serve", field="OSTEOFLOW_TORCH_MODELS")
        # Segmentations on one device at once; more would only queue inside the device and compete for its memory.
        self.slots = threading.BoundedSemaphore(settings.concurrency)
        self.runtime = f"torch {torch.__version__}"

    @property
    def device_label(self) -> str:
        return device_name(self.device)

    def resolve(self, ref: str | None) -> LoadedModel:
        if ref is None:
            return self.models[0]
        for model in self.models:
            if ref in (model.ref, model.name):
                return model
        raise SegmentationModelError(
            f"this worker does not serve model {ref}", field="model", expected=f"one of {', '.join(m.ref for m in self.models)}"
        )
