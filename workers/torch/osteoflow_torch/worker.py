"""The Python segmentation worker: polls the segmentation task queue and serves segmentTumour with PyTorch.
Models load once, before polling (a bad model or device stops the worker with its reason). On SIGTERM/SIGINT it
stops polling, lets the running segmentation finish within the grace period, and otherwise hands it back at the next
batch boundary (a retryable failure the server gives to the next worker)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client, TLSConfig
from temporalio.converter import DataConverter
from temporalio.worker import Worker

from .activity import Shutdown, make_activity
from .codec import AesGcmPayloadCodec, load_codec_keys
from .server import ModelServer
from .settings import Settings
from .storage import Storage, open_storage

log = logging.getLogger("osteoflow.torch")


async def connect(settings: Settings) -> Client:
    tls: TLSConfig | bool = False
    if settings.tls or settings.api_key:

        def read(key: str) -> bytes | None:
            if key not in settings.tls:
                return None
            with open(settings.tls[key], "rb") as f:
                return f.read()

        tls = TLSConfig(
            server_root_ca_cert=read("ca"), client_cert=read("cert"), client_private_key=read("key"), domain=settings.tls.get("server_name")
        )
    # The same encryption as every TypeScript client and worker, or none; a bad key file stops the worker here.
    converter = DataConverter.default
    if settings.codec_keys_file:
        converter = dataclasses.replace(converter, payload_codec=AesGcmPayloadCodec(load_codec_keys(settings.codec_keys_file)))
    return await Client.connect(
        settings.temporal_address, namespace=settings.namespace, api_key=settings.api_key, tls=tls, data_converter=converter
    )


async def run_worker(settings: Settings, server: ModelServer, storage: Storage) -> None:
    client = await connect(settings)
    shutdown = Shutdown(settings.shutdown_grace_s)
    with ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="segment") as executor:
        worker = Worker(
            client,
            task_queue=settings.task_queue,
            activities=[make_activity(server, storage, tta_default=settings.tta, shutdown=shutdown)],
            activity_executor=executor,
            max_concurrent_activities=settings.concurrency,
            # The SDK waits this long before cancelling; by then the activity has handed its work back itself.
            graceful_shutdown_timeout=timedelta(seconds=settings.shutdown_grace_s + 10),
        )
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(
                sig,
                lambda s=sig: (
                    log.warning("%s: finishing or handing back the running segmentation, then stopping", signal.Signals(s).name),
                    shutdown.begin(),
                    stopping.set(),
                ),
            )
        running = asyncio.create_task(worker.run())
        for model in server.models:
            print(
                f"serving {model.ref} ({model.kind}, channels {' + '.join(model.channels)}) on {model.device} in {model.precision}",
                flush=True,
            )
        if server.fallback:
            print(f"device: {server.fallback}", flush=True)
        print(f"studies in {storage.study_root}, blobs in {storage.blobs.description}", flush=True)
        print(
            f"torch worker polling '{settings.task_queue}' on {settings.temporal_address} "
            f"(namespace {settings.namespace}, {settings.concurrency} at once)",
            flush=True,
        )
        done, _ = await asyncio.wait({running, asyncio.create_task(stopping.wait())}, return_when=asyncio.FIRST_COMPLETED)
        if running not in done:
            await worker.shutdown()
        await running
    print("torch worker stopped", flush=True)


def main(settings: Settings) -> int:
    storage = open_storage(settings)
    server = ModelServer(settings)
    asyncio.run(run_worker(settings, server, storage))
    return 0


if __name__ == "__main__":
    sys.exit(main(__import__("osteoflow_torch.settings", fromlist=["load_settings"]).load_settings()))
