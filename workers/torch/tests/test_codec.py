"""The Python worker's payload codec reads what the TypeScript clients and workers encrypt (a fixture written by
config/payloadCodec.ts), round-trips its own payloads, and refuses a wrong key or a bad key file with a clear reason."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from osteoflow_torch.codec import ENCRYPTED_ENCODING, AesGcmPayloadCodec, PayloadCodecError, load_codec_keys

converter = DataConverter.default.payload_converter


def from_json(path: Path) -> Payload:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Payload(metadata={k: base64.b64decode(v) for k, v in raw["metadata"].items()}, data=base64.b64decode(raw["data"]))


def codec(tmp_path: Path, encrypt_with: str, keys: dict[str, bytes], name: str = "keys.json") -> AesGcmPayloadCodec:
    file = tmp_path / name
    file.write_text(
        json.dumps({"encryptWith": encrypt_with, "keys": {k: base64.b64encode(v).decode() for k, v in keys.items()}}), encoding="utf-8"
    )
    return AesGcmPayloadCodec(load_codec_keys(str(file)))


def test_decrypts_what_the_typescript_codec_wrote(repository: Path) -> None:
    fixtures = repository / "tests" / "fixtures" / "codec"
    shared = AesGcmPayloadCodec(load_codec_keys(str(fixtures / "keys.json")))
    (plain,) = asyncio.run(shared.decode([from_json(fixtures / "from-typescript.json")]))
    assert converter.from_payloads([plain])[0] == {"pseudonym": "SYN-042", "timepoint": "baseline", "volumeMl": 12.5}


def test_round_trips_with_a_fresh_nonce_and_no_clear_text(tmp_path: Path) -> None:
    c = codec(tmp_path, "k1", {"k1": bytes(range(32))})
    payload = converter.to_payloads([{"pseudonym": "SYN-007", "source": "/scans/T1CE.nii.gz"}])[0]
    a, b = asyncio.run(c.encode([payload, payload]))
    assert a.metadata["encoding"] == ENCRYPTED_ENCODING and a.metadata["encryption-key-id"] == b"k1"
    assert a.data != b.data
    assert b"SYN-007" not in a.data and b"T1CE" not in a.data
    (back,) = asyncio.run(c.decode([a]))
    assert back == payload


def test_refuses_a_key_it_does_not_hold_and_wrong_key_material(tmp_path: Path) -> None:
    (sealed,) = asyncio.run(codec(tmp_path, "k1", {"k1": bytes(32)}).encode([converter.to_payloads(["x"])[0]]))
    with pytest.raises(
        PayloadCodecError, match=r"encrypted with key 'k1', which the codec key file .*other\.json does not hold \(it holds k2\)"
    ):
        asyncio.run(codec(tmp_path, "k2", {"k2": bytes(32)}, "other.json").decode([sealed]))
    with pytest.raises(PayloadCodecError, match=r"does not decrypt with the key of that id in .*wrong\.json \(authentication failed\)"):
        asyncio.run(codec(tmp_path, "k1", {"k1": bytes([1] * 32)}, "wrong.json").decode([sealed]))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", r"is not valid JSON$"),
        ('{"encryptWith": "k1", "keys": {}}', r"'keys' must be an object of key id → base64 key \(32 bytes\)$"),
        ('{"encryptWith": "k1", "keys": {"k1": "c2hvcnQ="}}', r"'keys\.k1' must be a base64 string of 32 bytes \(got 5 bytes\)$"),
        (
            '{"encryptWith": "k9", "keys": {"k1": "' + base64.b64encode(bytes(32)).decode() + '"}}',
            r"'encryptWith' must be the id of one of the keys \(k1\)$",
        ),
    ],
)
def test_refuses_a_bad_key_file_naming_it(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "bad.json"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(PayloadCodecError, match=rf"^codec key file {file}: .*{message}"):
        load_codec_keys(str(file))
