"""The blob store from the Python side: files addressed by the sha256 of their bytes, the same stores the TypeScript
side opens (store/blobs/): a folder on this host (`<root>/<sha[0:2]>/<sha>`, each blob written once, read-only) or
PostgreSQL large objects indexed by the table `osteoflow_blobs(sha256, size, oid)` on the results store's server, with
fetched copies kept in a cache folder on this host. `put(file) -> BlobRef`, `fetch(sha256) -> local file`; every
fetched copy is checked against its address before it is used. The PostgreSQL tables are created and migrated by the
TypeScript side only; this worker refuses a server that has none yet.

A folder (a DICOM series) is stored as a manifest blob: for each file in name order, `<file name>\\0<sha256>\\n`, each
file its own blob; the manifest's sha256 is the folder hash study/scanStore.ts computes."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import SegmentationError, SegmentationInputError, SettingsError

# Bytes per lo_put / lo_get call and per read while hashing: the TypeScript store's chunk (store/blobs/postgres.ts).
CHUNK_BYTES = 4 * 1024 * 1024
# The newest blob table migration this worker knows (store/blobs/postgres.ts, BLOB_MIGRATIONS).
KNOWN_SCHEMA_VERSION = 1
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
STORE_URL_VARIABLE = "OSTEOFLOW_STORE_URL"
STORE_TLS_CA_VARIABLE = "OSTEOFLOW_STORE_TLS_CA"


class BlobNotFoundError(SegmentationError):
    """An address that names no stored blob, or whose stored bytes do not hash to it (the TypeScript store's name)."""

    def __init__(self, sha256: str, where: str, why: str = "no such blob"):
        super().__init__(f"blob {sha256} in {where}: {why}")
        self.sha256 = sha256


class BlobStoreError(SegmentationError):
    """The blob store cannot be used as it is: its tables are missing or newer than this worker knows."""


class ManifestError(SegmentationInputError):
    """A blob that should describe a folder does not parse as a folder manifest."""


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int


def check_address(sha256: str) -> str:
    """The address itself, once it is 64 lower-case hex digits (before it reaches a file name or a query)."""
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256):
        raise SegmentationInputError(f"blob address {str(sha256)[:80]!r} is not a sha256", expected="64 lower-case hex digits")
    return sha256


def blob_path(root: Path, sha256: str) -> Path:
    """`<root>/<first two hex digits>/<sha256>`, as store/blobs/files.ts lays blobs out."""
    return root / sha256[:2] / sha256


def hash_file(path: str | Path) -> BlobRef:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(CHUNK_BYTES):
            digest.update(block)
            size += len(block)
    return BlobRef(digest.hexdigest(), size)


def temporary_beside(target: Path) -> Path:
    """A name beside `target` unique to this process and call; renamed into place once complete."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def settle(temporary: Path, target: Path) -> None:
    """Moves a finished temporary file to its address; when another writer got there first, the copy is dropped."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file():
        temporary.unlink(missing_ok=True)  # same address, same bytes
        return
    os.replace(temporary, target)


def copy_hashing(source: Path, target: Path) -> BlobRef:
    """Copies `source` to the new file `target` (0440), hashing what was copied; a failed copy leaves no `target`."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(source, "rb") as src, open(target, "xb") as out:
            while block := src.read(CHUNK_BYTES):
                digest.update(block)
                size += len(block)
                out.write(block)
        os.chmod(target, 0o440)  # blobs never change under their address
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return BlobRef(digest.hexdigest(), size)


class _Verified:
    """Addresses whose local copy this process has already hashed: each copy is checked once, not at every use."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def check(self, file: Path, sha256: str, where: str) -> Path:
        with self._lock:
            if sha256 in self._seen:
                return file
        got = hash_file(file)
        if got.sha256 != sha256:
            raise BlobNotFoundError(sha256, where, f"the stored bytes hash to {got.sha256} ({got.size} bytes), not to their address")
        with self._lock:
            self._seen.add(sha256)
        return file


class LocalFolderBlobStore:
    """The embedded store: a folder on this host. fetch returns the blob file itself (checked once per process), so a
    study folder can hard-link it."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.description = f"the blob folder {self.root}"
        self._verified = _Verified()

    def put(self, file: str | Path) -> BlobRef:
        linked = self._put_linked(Path(file))
        if linked is not None:
            return linked
        temporary = temporary_beside(self.root / "incoming")
        ref = copy_hashing(Path(file), temporary)
        settle(temporary, blob_path(self.root, ref.sha256))
        return ref

    def _put_linked(self, file: Path) -> BlobRef | None:
        """The file hard-linked under its address (no second copy of its bytes), when it is on this file system and did
        not change while it was hashed; it becomes read-only like every blob. None: copy it instead."""
        before = file.stat()
        ref = hash_file(file)
        target = blob_path(self.root, ref.sha256)
        if target.is_file():
            return ref
        temporary = temporary_beside(self.root / "incoming")
        try:
            os.link(file, temporary)
        except OSError:
            return None  # another file system, or links refused
        after = temporary.stat()
        if (after.st_ino, after.st_size, after.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):
            temporary.unlink(missing_ok=True)
            return None
        os.chmod(temporary, 0o440)
        settle(temporary, target)
        return ref

    def fetch(self, sha256: str) -> Path:
        file = blob_path(self.root, check_address(sha256))
        if not file.is_file():
            raise BlobNotFoundError(sha256, self.description)
        return self._verified.check(file, sha256, self.description)

    def has(self, sha256: str) -> bool:
        return blob_path(self.root, check_address(sha256)).is_file()

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class StoreConnection:
    """A PostgreSQL server as OSTEOFLOW_STORE_URL (and OSTEOFLOW_STORE_TLS_CA) name it; config/index.ts parseStoreUrl's
    twin, with the same defaults: without sslmode, plain TCP to a loopback host and verify-full to any other."""

    host: str
    port: int
    user: str
    password: str | None
    database: str
    sslmode: str
    tls_ca_file: str | None
    # The URL with its password replaced by '***', for messages.
    redacted: str

    def connect_args(self) -> dict:
        args = {"host": self.host, "port": self.port, "user": self.user, "dbname": self.database, "sslmode": self.sslmode}
        if self.password is not None:
            args["password"] = self.password
        if self.sslmode == "verify-full":
            # libpq's "system" is the system's CA store, as node's TLS uses when no CA file is given.
            args["sslrootcert"] = self.tls_ca_file or "system"
        return args


_STORE_URL_FORM = "a URL postgres://user:password@host:port/database, optionally with ?sslmode=disable|require|verify-full"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_store_url(url: str, tls_ca_file: str | None = None) -> StoreConnection:
    """The store URL's connection; a bad one is a SettingsError naming OSTEOFLOW_STORE_URL, never quoting the password."""
    parts = urlsplit(url.strip())
    redacted = url.strip()
    if parts.password is not None:
        redacted = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()

    def fail(what: str) -> SettingsError:
        return SettingsError(f"{STORE_URL_VARIABLE}={redacted!r}: {what}", field=STORE_URL_VARIABLE, expected=_STORE_URL_FORM)

    if parts.scheme not in ("postgres", "postgresql"):
        raise fail(f"the scheme is {parts.scheme!r}, not postgres")
    try:
        port = parts.port or 5432
    except ValueError:
        raise fail("its port is not a number") from None
    if not parts.hostname:
        raise fail("it names no host")
    if not parts.username:
        raise fail("it names no user")
    database = unquote(parts.path.lstrip("/"))
    if database == "" or "/" in database:
        raise fail("it names no database (the path after the host)")
    query = parse_qsl(parts.query, keep_blank_values=True)
    for key, _ in query:
        if key != "sslmode":
            raise fail(f"{key!r} is not a setting osteoflow reads (only sslmode)")
    sslmode = dict(query).get("sslmode")
    if sslmode is not None and sslmode not in ("disable", "require", "verify-full"):
        raise fail(f"sslmode {sslmode!r} is not one of disable, require, verify-full")
    if tls_ca_file is not None:
        if not Path(tls_ca_file).is_file():
            raise SettingsError(
                f"{STORE_TLS_CA_VARIABLE}={tls_ca_file!r}: no such file",
                field=STORE_TLS_CA_VARIABLE,
                expected="a CA certificate file (PEM)",
            )
        if sslmode is not None and sslmode != "verify-full":
            raise SettingsError(
                f"{STORE_TLS_CA_VARIABLE} is used with sslmode=verify-full only (the URL says sslmode={sslmode})",
                field=STORE_TLS_CA_VARIABLE,
            )
    host = parts.hostname
    mode = sslmode or ("disable" if _is_loopback(host) and tls_ca_file is None else "verify-full")
    return StoreConnection(
        host=host,
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password) if parts.password else None,
        database=database,
        sslmode=mode,
        tls_ca_file=str(Path(tls_ca_file).resolve()) if tls_ca_file else None,
        redacted=redacted,
    )


class _AlreadyStored(Exception):
    """Another writer stored the same bytes meanwhile: this copy is dropped with its transaction."""


class PostgresBlobStore:
    """The shared store: large objects on the results store's server. A put is one transaction (lo_create, lo_put in
    4 MiB chunks, the index row), so a crashed upload leaves nothing; a fetch streams lo_get chunks into the cache."""

    def __init__(self, connection: StoreConnection, cache_dir: Path):
        import psycopg  # only a worker on a PostgreSQL store needs the driver loaded

        self._psycopg = psycopg
        self.connection = connection
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.description = f"the blob store at {connection.redacted}"
        self._verified = _Verified()

    def _connect(self):
        # Autocommit: each transaction is opened explicitly (conn.transaction()), never left open by a SELECT.
        return self._psycopg.connect(
            **self.connection.connect_args(), autocommit=True, connect_timeout=15, application_name="osteoflow-torch"
        )

    def check(self) -> None:
        """Reachable, with the blob tables the TypeScript side creates, at a schema version this worker knows."""
        try:
            with self._connect() as conn:
                present = conn.execute("SELECT to_regclass('osteoflow_blobs') IS NOT NULL").fetchone()[0]
                if not present:
                    raise BlobStoreError(
                        f"{self.description}: the blob store has not been created yet (no table osteoflow_blobs)",
                        field=STORE_URL_VARIABLE,
                        expected="a database where osteoflow's TypeScript side has opened the blob store once "
                        "(a pipeline worker or `osteoflow stack start` on the same OSTEOFLOW_STORE_URL creates it)",
                    )
                newest = conn.execute("SELECT max(version) FROM blob_schema_migrations").fetchone()[0]
                if newest is not None and newest > KNOWN_SCHEMA_VERSION:
                    raise BlobStoreError(
                        f"{self.description}: schema version {newest} is newer than this worker knows ({KNOWN_SCHEMA_VERSION})",
                        field=STORE_URL_VARIABLE,
                        expected="the worker of the same osteoflow version as the TypeScript side",
                    )
        except self._psycopg.OperationalError as err:
            raise SettingsError(
                f"{self.description} cannot be reached: {str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__}",
                field=STORE_URL_VARIABLE,
            ) from None

    def put(self, file: str | Path) -> BlobRef:
        # Hashing first reads the file twice for a new blob, but sends nothing for one the server already holds.
        ref = hash_file(file)
        with self._connect() as conn:
            if conn.execute("SELECT 1 FROM osteoflow_blobs WHERE sha256 = %s", (ref.sha256,)).fetchone() is None:
                self._upload(conn, Path(file), ref)
        return ref

    def _upload(self, conn, file: Path, ref: BlobRef) -> None:
        """One transaction: a new large object, its bytes in chunks, its index row; when another writer stored the same
        bytes meanwhile, the rollback drops this copy's large object."""
        try:
            with conn.transaction():
                oid = conn.execute("SELECT lo_create(0)").fetchone()[0]
                offset = 0
                with open(file, "rb") as f:
                    while chunk := f.read(CHUNK_BYTES):
                        conn.execute("SELECT lo_put(%s::oid, %s::bigint, %s::bytea)", (oid, offset, chunk))
                        offset += len(chunk)
                if offset != ref.size:
                    raise BlobStoreError(f"{file} changed while it was being stored ({ref.size} bytes hashed, {offset} sent)")
                inserted = conn.execute(
                    "INSERT INTO osteoflow_blobs (sha256, size, oid) VALUES (%s, %s, %s::oid) ON CONFLICT (sha256) DO NOTHING",
                    (ref.sha256, ref.size, oid),
                )
                if inserted.rowcount == 0:
                    raise _AlreadyStored()
        except _AlreadyStored:
            pass

    def fetch(self, sha256: str) -> Path:
        cached = blob_path(self.cache_dir, check_address(sha256))
        if cached.is_file():
            return self._verified.check(cached, sha256, f"the blob cache {self.cache_dir}")
        with self._connect() as conn:
            row = conn.execute("SELECT oid, size FROM osteoflow_blobs WHERE sha256 = %s", (sha256,)).fetchone()
            if row is None:
                raise BlobNotFoundError(sha256, self.description)
            oid, size = row[0], int(row[1])
            cached.parent.mkdir(parents=True, exist_ok=True)
            temporary = temporary_beside(cached)
            digest, written = hashlib.sha256(), 0
            try:
                with open(temporary, "xb") as out:
                    for offset in range(0, size, CHUNK_BYTES):
                        part = conn.execute(
                            "SELECT lo_get(%s::oid, %s::bigint, %s::int)", (oid, offset, min(CHUNK_BYTES, size - offset))
                        ).fetchone()[0]
                        digest.update(part)
                        written += len(part)
                        out.write(part)
                os.chmod(temporary, 0o440)
                if digest.hexdigest() != sha256 or written != size:
                    raise BlobNotFoundError(
                        sha256,
                        self.description,
                        f"the stored bytes hash to {digest.hexdigest()} ({written} bytes of {size} indexed), not to their address",
                    )
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        settle(temporary, cached)
        self._verified.check(cached, sha256, f"the blob cache {self.cache_dir}")
        return cached

    def has(self, sha256: str) -> bool:
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM osteoflow_blobs WHERE sha256 = %s", (check_address(sha256),)).fetchone() is not None

    def close(self) -> None:
        pass


BlobStore = LocalFolderBlobStore | PostgresBlobStore


# --- folder manifests -------------------------------------------------------------------------------------------

MANIFEST_LINE = re.compile(rb"([^/\0\n]+)\0([0-9a-f]{64})\n")
# A series of at most 5,000 files (scanStore's folder limit) gives a manifest well under this size; a larger blob is a
# file (the bound study/storedFiles.ts uses, so both sides tell manifests from files alike).
MANIFEST_MAX_BYTES = 5000 * 400


def _utf16_key(name: str) -> bytes:
    # scanStore sorts names as JavaScript compares strings: by UTF-16 code units, which big-endian UTF-16 bytes keep.
    return name.encode("utf-16-be", "surrogatepass")


def _lines(data: bytes) -> list[re.Match[bytes]] | None:
    """Every line of `data` as a manifest line, or None where one is not."""
    lines, position = [], 0
    while position < len(data):
        match = MANIFEST_LINE.match(data, position)
        if match is None:
            return None
        lines.append(match)
        position = match.end()
    return lines


def parse_manifest(data: bytes, address: str) -> list[tuple[str, str]]:
    """The (file name, sha256) lines of a folder manifest, in order; anything else is a ManifestError naming the
    address, the line and what was expected (each file once, in name order, with a UTF-8 name that is not . or ..)."""
    if not data:
        raise ManifestError(f"folder manifest {address} is empty", expected="at least one line <file name>\\0<sha256>\\n")
    entries: list[tuple[str, str]] = []
    position, line = 0, 0
    while position < len(data):
        line += 1
        match = MANIFEST_LINE.match(data, position)
        if match is None:
            end = data.find(b"\n", position)
            shown = data[position : end if end >= 0 else len(data)][:120]
            raise ManifestError(
                f"folder manifest {address}, line {line}: {shown!r} is not a manifest line",
                expected="<file name without '/' or NUL>\\0<sha256: 64 lower-case hex digits>\\n",
            )
        try:
            name = match.group(1).decode("utf-8")
        except UnicodeDecodeError:
            raise ManifestError(
                f"folder manifest {address}, line {line}: the file name is not UTF-8", expected="UTF-8 file names"
            ) from None
        if name in (".", ".."):
            raise ManifestError(f"folder manifest {address}, line {line}: {name!r} is not a file name", expected="a file name")
        if entries and _utf16_key(name) <= _utf16_key(entries[-1][0]):
            raise ManifestError(
                f"folder manifest {address}, line {line}: {name!r} "
                + ("is listed twice" if name == entries[-1][0] else f"comes after {entries[-1][0]!r}"),
                expected="each file once, in name order",
            )
        entries.append((name, match.group(2).decode("ascii")))
        position = match.end()
    return entries


def manifest_of_blob(file: Path, address: str) -> list[tuple[str, str]] | None:
    """The blob's entries when its bytes are manifest lines, else None (the blob is a file). Bytes shaped as a manifest
    that cannot be laid out as a folder (a name twice, out of order, . or ..) are a ManifestError."""
    size = file.stat().st_size
    if size == 0 or size > MANIFEST_MAX_BYTES:
        return None
    with open(file, "rb") as f:
        # Most blobs are images: told apart by their first bytes, never read whole.
        head = f.read(min(size, 4096 + 66))
        if MANIFEST_LINE.match(head) is None:
            return None
        data = head + f.read()
    if _lines(data) is None:
        return None
    return parse_manifest(data, address)


def folder_manifest(folder: Path) -> bytes:
    """The manifest of a folder's files (sub-folders are not part of a series), as scanStore hashes it."""
    names = sorted((e.name for e in os.scandir(folder) if not e.is_dir()), key=_utf16_key)
    return b"".join(name.encode("utf-8") + b"\0" + hash_file(folder / name).sha256.encode("ascii") + b"\n" for name in names)


def put_folder(store: BlobStore, folder: str | Path) -> BlobRef:
    """Stores every file of the folder and then its manifest; returns the manifest's address (the folder hash)."""
    folder = Path(folder)
    for entry in os.scandir(folder):
        if not entry.is_dir():
            store.put(entry.path)
    with tempfile.TemporaryDirectory(prefix="osteoflow-manifest-") as scratch:
        manifest = Path(scratch) / "manifest"
        manifest.write_bytes(folder_manifest(folder))
        return store.put(manifest)
