"""The segmentTumour contract, read from the one schema both workers check (contracts/segmentation.schema.json, named
by OSTEOFLOW_SEGMENT_CONTRACT): input on receipt, result before it is returned."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from .errors import SettingsError
from .settings import CONTRACT_VARIABLE

CONTRACT_VERSION = 1


class Contract:
    """The contract's schema, read once per worker process."""

    def __init__(self, file: Path):
        self.file = file
        try:
            self.definitions = json.loads(Path(file).read_text(encoding="utf-8"))["$defs"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise SettingsError(
                f"the segmentTumour contract cannot be read: {err}",
                file=str(file),
                field=CONTRACT_VARIABLE,
                expected="contracts/segmentation.schema.json",
            ) from err

    def problems(self, part: str, value: object) -> str:
        """Problems of `value` as the activity's 'input' or 'result' ('' when it conforms), each with its JSON path."""
        schema = {"$ref": f"#/$defs/{part}", "$defs": self.definitions}
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
        return "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors)
