"""Encrypted workflow payloads, as the TypeScript clients and workers write them (config/payloadCodec.ts): AES-256-GCM,
metadata {encoding: binary/encrypted, encryption-key-id: <id>}, data = 12-byte nonce + ciphertext + 16-byte tag of the
serialised Payload. The key file is shared: {"encryptWith": <id>, "keys": {<id>: <base64 of 32 bytes>}}. Errors name
the key id and the file, never key material or payload content."""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCRYPTED_ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32


class PayloadCodecError(Exception):
    """A payload that cannot be decrypted, or a key file that cannot be used."""


class CodecKeys:
    def __init__(self, encrypt_with: str, keys: dict[str, bytes], source: str) -> None:
        self.encrypt_with = encrypt_with
        self.keys = keys
        self.source = source


def load_codec_keys(path: str) -> CodecKeys:
    def fail(field: str, expected: str) -> PayloadCodecError:
        return PayloadCodecError(f"codec key file {path}: '{field}' must be {expected}")

    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except OSError as e:
        raise PayloadCodecError(f"codec key file {path}: cannot be read ({e.strerror})") from None
    except ValueError:
        raise PayloadCodecError(f"codec key file {path}: is not valid JSON") from None
    if not isinstance(raw, dict):
        raise fail("(top level)", "an object with encryptWith and keys")
    keys_raw = raw.get("keys")
    if not isinstance(keys_raw, dict) or not keys_raw:
        raise fail("keys", f"an object of key id → base64 key ({KEY_BYTES} bytes)")
    keys: dict[str, bytes] = {}
    for key_id, value in keys_raw.items():
        try:
            key = base64.b64decode(value, validate=True) if isinstance(value, str) else None
        except binascii.Error:
            key = None
        if key is None or len(key) != KEY_BYTES:
            got = f"{len(key)} bytes" if key is not None else "no base64"
            raise fail(f"keys.{key_id}", f"a base64 string of {KEY_BYTES} bytes (got {got})")
        keys[key_id] = key
    encrypt_with = raw.get("encryptWith")
    if not isinstance(encrypt_with, str) or encrypt_with not in keys:
        raise fail("encryptWith", f"the id of one of the keys ({', '.join(keys)})")
    return CodecKeys(encrypt_with, keys, path)


class AesGcmPayloadCodec(PayloadCodec):
    def __init__(self, keys: CodecKeys) -> None:
        self._keys = keys

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id = self._keys.encrypt_with
        aead = AESGCM(self._keys.keys[key_id])
        out = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = aead.encrypt(nonce, payload.SerializeToString(), None)  # ciphertext + tag
            out.append(Payload(metadata={"encoding": ENCRYPTED_ENCODING, KEY_ID_METADATA: key_id.encode()}, data=nonce + sealed))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decode_one(p) for p in payloads]

    def _decode_one(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCRYPTED_ENCODING:
            return payload  # written before encryption was on
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode()
        if not key_id:
            raise PayloadCodecError(f"an encrypted payload has no '{KEY_ID_METADATA}' metadata; it cannot be decrypted")
        key = self._keys.keys.get(key_id)
        if key is None:
            held = ", ".join(self._keys.keys)
            raise PayloadCodecError(
                f"a payload is encrypted with key '{key_id}', which the codec key file {self._keys.source} "
                f"does not hold (it holds {held}); add the key that wrote it"
            )
        data = payload.data
        if len(data) < NONCE_BYTES + TAG_BYTES:
            raise PayloadCodecError(f"a payload encrypted with key '{key_id}' is too short to hold its nonce and tag")
        try:
            plain = AESGCM(key).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None)
        except InvalidTag:
            raise PayloadCodecError(
                f"a payload encrypted with key '{key_id}' does not decrypt with the key of that id in "
                f"{self._keys.source} (authentication failed): the key is not the one that wrote it, "
                "or the payload was altered"
            ) from None
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded


def codec_from_environment(env: Iterable[tuple[str, str]] | dict[str, str]) -> AesGcmPayloadCodec | None:
    """The codec for OSTEOFLOW_CODEC_KEYS, or None when payloads travel in clear."""
    path = dict(env).get("OSTEOFLOW_CODEC_KEYS", "").strip()
    return AesGcmPayloadCodec(load_codec_keys(path)) if path else None
