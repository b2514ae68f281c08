"""python -m osteoflow_torch <command>

  worker                 serve segmentTumour on the segmentation task queue (settings: see ../README.md)
  segment INPUT.json…    run the activity on contract inputs, without Temporal, the models loaded once; prints one
                         contract result per input (a JSON line each)
  check                  load every model of OSTEOFLOW_TORCH_MODELS on the device and open the blob store, and say
                         what would serve them

A bad setting, device or model exits with status 2 and one line naming it."""

from __future__ import annotations

import json
import logging
import os
import sys

from .errors import SegmentationError


def main(argv: list[str]) -> int:
    logging.basicConfig(
        level=os.environ.get("OSTEOFLOW_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    from .server import ModelServer
    from .settings import load_settings
    from .storage import open_storage

    command, rest = argv[0], argv[1:]
    try:
        settings = load_settings()
        if command == "worker":
            from .worker import main as worker_main

            return worker_main(settings)
        if command == "check":
            storage = open_storage(settings)
            server = ModelServer(settings)
            for model in server.models:
                print(f"{model.ref} ({model.kind}, channels {' + '.join(model.channels)}) on {model.device} in {model.precision}")
            print(f"studies in {storage.study_root}, blobs in {storage.blobs.description}")
            return 0
        if command == "segment" and rest:
            from .activity import segment

            storage = open_storage(settings)
            server = ModelServer(settings)
            for file in rest:
                with open(file, encoding="utf-8") as f:
                    request = json.load(f)
                print(json.dumps(segment(request, server, storage, tta_default=settings.tta)), flush=True)
            return 0
    except SegmentationError as err:
        print(f"osteoflow_torch: {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    print(f"osteoflow_torch: unknown command {' '.join(argv)!r}\n{__doc__}", file=sys.stderr)
    return 2


sys.exit(main(sys.argv[1:]))
