"""The segmentTumour contract, read from the one schema both workers check
(contracts/segmentation.schema.json): input on receipt, result before it is returned."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

CONTRACT_FILE = Path(__file__).resolve().parents[3] / "contracts" / "segmentation.schema.json"
CONTRACT_VERSION = 1
_SCHEMA = json.loads(CONTRACT_FILE.read_text())


def contract_problems(part: str, value: object) -> str:
    """Problems of `value` as the activity's 'input' or 'result' ('' when it conforms), each with its JSON path."""
    schema = {"$ref": f"#/$defs/{part}", "$defs": _SCHEMA["$defs"]}
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    return "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors)
