"""The worker's blob stores (osteoflow_torch/blobs.py) against the TypeScript ones (store/blobs/, through
tests/ts_blobs.ts): the local folder and PostgreSQL large objects in tables the TypeScript side created, each reading
what the other wrote; folder manifests against study/scanStore.ts's folder hash; bad manifests, bad addresses and
bytes that do not hash to their address refused by name; settings that name the store refused by variable."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import psycopg
import pytest
from conftest import run_at_once

from osteoflow_torch.blobs import (
    CHUNK_BYTES,
    BlobNotFoundError,
    BlobRef,
    BlobStoreError,
    LocalFolderBlobStore,
    ManifestError,
    PostgresBlobStore,
    blob_path,
    folder_manifest,
    parse_manifest,
    parse_store_url,
    put_folder,
)
from osteoflow_torch.errors import SegmentationInputError, SettingsError
from osteoflow_torch.settings import load_settings


def random_bytes(n: int, seed: int) -> bytes:
    return hashlib.shake_256(seed.to_bytes(4, "big")).digest(n)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# --- the local folder store ------------------------------------------------------------------------------------------


def test_a_put_lays_the_blob_out_under_its_address_read_only_once_and_linked(tmp_path):
    store = LocalFolderBlobStore(tmp_path / "blobs")
    data = random_bytes(70_000, 1)
    source = tmp_path / "scan.nii.gz"
    source.write_bytes(data)
    ref = store.put(source)
    assert ref == BlobRef(sha(data), len(data))
    blob = tmp_path / "blobs" / sha(data)[:2] / sha(data)
    assert blob.read_bytes() == data and blob.stat().st_mode & 0o777 == 0o440
    assert blob.stat().st_ino == source.stat().st_ino  # same file system: a hard link, not a second copy
    again = tmp_path / "again.nii.gz"
    again.write_bytes(data)
    assert store.put(again) == ref
    assert files_under(tmp_path / "blobs") == [f"{sha(data)[:2]}/{sha(data)}"]  # one blob, no temporary left
    assert store.fetch(sha(data)) == blob and store.has(sha(data))


def test_an_unknown_address_and_a_malformed_one_are_named(tmp_path):
    store = LocalFolderBlobStore(tmp_path / "blobs")
    missing = sha(b"never stored")
    with pytest.raises(BlobNotFoundError, match=f"blob {missing} in the blob folder {tmp_path / 'blobs'}: no such blob"):
        store.fetch(missing)
    for bad in ("../../etc/passwd", missing.upper(), missing[:63]):
        with pytest.raises(SegmentationInputError, match="is not a sha256.*64 lower-case hex digits"):
            store.fetch(bad)


def test_a_local_blob_whose_bytes_do_not_hash_to_its_address_is_refused(tmp_path):
    store = LocalFolderBlobStore(tmp_path / "blobs")
    address = sha(b"the bytes the address names")
    forged = blob_path(tmp_path / "blobs", address)
    forged.parent.mkdir(parents=True)
    forged.write_bytes(b"other bytes")
    with pytest.raises(BlobNotFoundError) as caught:
        store.fetch(address)
    assert str(caught.value) == (
        f"blob {address} in the blob folder {tmp_path / 'blobs'}: the stored bytes hash to {sha(b'other bytes')} (11 bytes), "
        "not to their address"
    )


def test_the_typescript_and_python_folder_stores_read_each_others_blobs(ts_blobs, tmp_path):
    folder = tmp_path / "blobs"
    python = LocalFolderBlobStore(folder)
    from_ts, from_python = tmp_path / "ts.bin", tmp_path / "py.bin"
    from_ts.write_bytes(random_bytes(5000, 2))
    from_python.write_bytes(random_bytes(6000, 3))
    put_by_ts = ts_blobs.call("put", store={"dir": str(folder)}, file=str(from_ts))
    assert put_by_ts == {"sha256": sha(from_ts.read_bytes()), "size": 5000}
    assert python.fetch(put_by_ts["sha256"]).read_bytes() == from_ts.read_bytes()
    ref = python.put(from_python)
    assert ts_blobs.call("fetch", store={"dir": str(folder)}, sha256=ref.sha256) == {"path": str(blob_path(folder, ref.sha256))}


# --- folder manifests -----------------------------------------------------------------------------------------------


def test_a_folders_manifest_hashes_to_the_folder_hash_scan_store_computes(ts_blobs, tmp_path):
    series = tmp_path / "series"
    series.mkdir()
    # Names whose order differs between bytewise, case-folded and numeric sorting.
    for i, name in enumerate(["IM10", "IM2", "im1", "Z.dcm", "ä.dcm", "_1"]):
        (series / name).write_bytes(random_bytes(100 + i, 10 + i))
    copy = ts_blobs.call("storeScan", source=str(series), dir=str(tmp_path / "stored"))
    manifest = folder_manifest(series)
    assert sha(manifest) == copy["sha256"]
    assert [name for name, _ in parse_manifest(manifest, copy["sha256"])] == ["IM10", "IM2", "Z.dcm", "_1", "im1", "ä.dcm"]
    store = LocalFolderBlobStore(tmp_path / "blobs")
    assert put_folder(store, series).sha256 == copy["sha256"]
    assert store.fetch(copy["sha256"]).read_bytes() == manifest
    for name in os.listdir(series):
        assert store.has(sha((series / name).read_bytes()))


A, B = sha(b"a"), sha(b"b")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (f"a.dcm\0{A}".encode(), r"line 1: b'a.dcm\\x00.*' is not a manifest line"),
        (f"a.dcm\0{A}\nb.dcm {B}\n".encode(), "line 2: b'b.dcm .*' is not a manifest line"),
        (f"a.dcm\0{A.upper()}\n".encode(), "line 1: .* is not a manifest line"),
        (f"a.dcm\0{A[:60]}\n".encode(), "line 1: .* is not a manifest line"),
        (f"dir/a.dcm\0{A}\n".encode(), "line 1: b'dir/a.dcm.*' is not a manifest line"),
        (f"\0{A}\n".encode(), "line 1: .* is not a manifest line"),
        (f"..\0{A}\n".encode(), "line 1: '..' is not a file name"),
        (f"b.dcm\0{A}\na.dcm\0{B}\n".encode(), "line 2: 'a.dcm' comes after 'b.dcm'.*each file once, in name order"),
        (f"a.dcm\0{A}\na.dcm\0{B}\n".encode(), "line 2: 'a.dcm' is listed twice"),
        (b"\xff\xfe.dcm\0" + A.encode() + b"\n", "line 1: the file name is not UTF-8"),
    ],
)
def test_a_bad_manifest_is_refused_naming_the_address_the_line_and_what_was_expected(data, message):
    with pytest.raises(ManifestError, match=f"folder manifest {'f' * 64}.*{message}"):
        parse_manifest(data, "f" * 64)


def test_a_good_manifest_gives_its_files_in_order():
    assert parse_manifest(f"a.dcm\0{A}\nb.dcm\0{B}\n".encode(), "f" * 64) == [("a.dcm", A), ("b.dcm", B)]


# --- settings -------------------------------------------------------------------------------------------------------


def test_store_settings_are_refused_by_variable_without_showing_a_password(worker_env, tmp_path):
    base = {k: v for k, v in worker_env.items() if k != "OSTEOFLOW_BLOB_DIR"}
    cache = {"OSTEOFLOW_BLOB_CACHE": str(tmp_path / "cache")}
    url = "OSTEOFLOW_STORE_URL"
    cases = [
        ({**worker_env, "OSTEOFLOW_STUDY_ROOT": ""}, "OSTEOFLOW_STUDY_ROOT is not set", "OSTEOFLOW_STUDY_ROOT"),
        (
            {**worker_env, "OSTEOFLOW_STUDY_ROOT": "studies"},
            "OSTEOFLOW_STUDY_ROOT='studies' is not an absolute path",
            "OSTEOFLOW_STUDY_ROOT",
        ),
        (base, "OSTEOFLOW_BLOB_DIR is not set", "OSTEOFLOW_BLOB_DIR"),
        ({**base, "OSTEOFLOW_BLOB_DIR": "blobs"}, "OSTEOFLOW_BLOB_DIR='blobs' is not an absolute path", "OSTEOFLOW_BLOB_DIR"),
        ({**base, url: "postgres://u:s3cret@db.example/osteoflow"}, "OSTEOFLOW_BLOB_CACHE is not set", "OSTEOFLOW_BLOB_CACHE"),
        (
            {**worker_env, **cache, url: "postgres://u:s3cret@db.example/osteoflow"},
            "OSTEOFLOW_BLOB_DIR is set together with OSTEOFLOW_STORE_URL",
            "OSTEOFLOW_BLOB_DIR",
        ),
        ({**base, **cache, url: "mysql://u:s3cret@db.example/osteoflow"}, "the scheme is 'mysql', not postgres", url),
        ({**base, **cache, url: "postgres://u:s3cret@db.example/"}, "it names no database", url),
        ({**base, **cache, url: "postgres://db.example/osteoflow"}, "it names no user", url),
        ({**base, **cache, url: "postgres://u:s3cret@db.example/o?sslmode=prefer"}, "sslmode 'prefer' is not one of", url),
        ({**base, **cache, url: "postgres://u:s3cret@db.example/o?timeout=3"}, "'timeout' is not a setting", url),
        (
            {**worker_env, "OSTEOFLOW_STORE_TLS_CA": "/etc/hostname"},
            "OSTEOFLOW_STORE_TLS_CA is set, but OSTEOFLOW_STORE_URL is not",
            "OSTEOFLOW_STORE_TLS_CA",
        ),
    ]
    for env, message, field in cases:
        with pytest.raises(SettingsError) as caught:
            load_settings(env)
        assert message in str(caught.value) and f"field: {field}" in str(caught.value), str(caught.value)
        assert "s3cret" not in str(caught.value)


def test_a_store_url_gives_the_connection_with_the_typescript_defaults():
    local = parse_store_url("postgres://osteo%40flow:p%3Ass@127.0.0.1:6543/results")
    assert (local.host, local.port, local.user, local.password, local.database, local.sslmode) == (
        "127.0.0.1",
        6543,
        "osteo@flow",
        "p:ss",
        "results",
        "disable",  # loopback without sslmode: plain TCP
    )
    assert "p%3Ass" not in local.redacted and "***" in local.redacted
    remote = parse_store_url("postgresql://u:pw@db.example/results")
    assert (remote.port, remote.sslmode, remote.connect_args()["sslrootcert"]) == (5432, "verify-full", "system")


# --- PostgreSQL large objects ---------------------------------------------------------------------------------------


def admin(url: str) -> psycopg.Connection:
    return psycopg.connect(**parse_store_url(url).connect_args(), autocommit=True)


def large_objects(url: str) -> int:
    with admin(url) as conn:
        return conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()[0]


@pytest.fixture()
def pg_store(postgres_database, postgres_cluster, tmp_path):
    """The Python store on a database whose blob tables the TypeScript store created."""
    postgres_cluster.call("migrate", url=postgres_database)
    store = PostgresBlobStore(parse_store_url(postgres_database), tmp_path / "blob-cache")
    store.check()
    return store, postgres_database


def test_postgres_puts_in_chunks_in_one_transaction_and_fetches_into_the_checked_cache(pg_store, postgres_cluster, tmp_path):
    store, url = pg_store
    data = random_bytes(2 * CHUNK_BYTES + 12345, 4)  # three lo_put / lo_get chunks
    source = tmp_path / "series.bin"
    source.write_bytes(data)
    ref = store.put(source)
    assert ref == BlobRef(sha(data), len(data))
    with admin(url) as conn:
        size, stored = conn.execute("SELECT size, lo_get(oid) FROM osteoflow_blobs WHERE sha256 = %s", (ref.sha256,)).fetchone()
    assert size == len(data) and bytes(stored) == data
    assert store.put(source) == ref and large_objects(url) == 1  # the same bytes again: nothing sent
    fetched = store.fetch(ref.sha256)
    assert fetched == tmp_path / "blob-cache" / ref.sha256[:2] / ref.sha256
    assert fetched.read_bytes() == data and fetched.stat().st_mode & 0o777 == 0o440
    assert files_under(tmp_path / "blob-cache") == [f"{ref.sha256[:2]}/{ref.sha256}"]
    # Each side reads what the other stored.
    ts_cache = tmp_path / "ts-cache"
    assert Path(postgres_cluster.call("fetch", store={"url": url, "cache": str(ts_cache)}, sha256=ref.sha256)["path"]).read_bytes() == data
    other = tmp_path / "other.bin"
    other.write_bytes(random_bytes(CHUNK_BYTES + 1, 5))
    put_by_ts = postgres_cluster.call("put", store={"url": url, "cache": str(ts_cache)}, file=str(other))
    assert store.fetch(put_by_ts["sha256"]).read_bytes() == other.read_bytes()


def test_postgres_a_writer_that_lost_the_race_drops_its_copy(pg_store, tmp_path):
    store, url = pg_store
    source = tmp_path / "mask.nii.gz"
    source.write_bytes(random_bytes(3000, 6))
    ref = store.put(source)
    # A second writer that checked before the first committed: its upload meets the row and rolls back.
    with store._connect() as conn:
        store._upload(conn, source, ref)
    assert large_objects(url) == 1
    # Writers at once, on one address: one row, one large object.
    racing = tmp_path / "racing.bin"
    racing.write_bytes(random_bytes(CHUNK_BYTES // 2, 7))
    assert run_at_once(lambda: store.put(racing), 6) == []
    with admin(url) as conn:
        assert conn.execute("SELECT count(*) FROM osteoflow_blobs").fetchone()[0] == 2
    assert large_objects(url) == 2


def test_postgres_bytes_that_do_not_hash_to_their_address_are_refused_and_not_cached(pg_store, tmp_path):
    store, url = pg_store
    address = sha(b"what the index promises")
    with admin(url) as conn:
        conn.execute("INSERT INTO osteoflow_blobs (sha256, size, oid) VALUES (%s, 14, lo_from_bytea(0, %s))", (address, b"other content!"))
    with pytest.raises(BlobNotFoundError) as caught:
        store.fetch(address)
    assert str(caught.value).startswith(f"blob {address} in the blob store at {store.connection.redacted}: the stored bytes hash to")
    assert str(caught.value).endswith(f"{sha(b'other content!')} (14 bytes of 14 indexed), not to their address")
    assert files_under(tmp_path / "blob-cache") == []
    missing = sha(b"never stored")
    with pytest.raises(BlobNotFoundError, match=f"blob {missing} in the blob store at .*: no such blob"):
        store.fetch(missing)


def test_postgres_without_the_blob_tables_is_refused_saying_the_store_was_not_created(postgres_database, tmp_path):
    store = PostgresBlobStore(parse_store_url(postgres_database), tmp_path / "blob-cache")
    with pytest.raises(BlobStoreError, match="the blob store has not been created yet \\(no table osteoflow_blobs\\).*OSTEOFLOW_STORE_URL"):
        store.check()


def test_the_worker_refuses_to_start_on_a_store_without_blob_tables_with_one_line(worker_dir, worker_env, postgres_database, tmp_path):
    from test_activity import run_worker

    env = {k: v for k, v in worker_env.items() if k != "OSTEOFLOW_BLOB_DIR"}
    run = run_worker(
        worker_dir, {**env, "OSTEOFLOW_STORE_URL": postgres_database, "OSTEOFLOW_BLOB_CACHE": str(tmp_path / "cache")}, "check"
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    password = parse_store_url(postgres_database).password
    assert password and password not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("osteoflow_torch:")]
    assert len(lines) == 1 and "BlobStoreError" in lines[0] and "has not been created yet" in lines[0] and "OSTEOFLOW_STORE_URL" in lines[0]
