"""Installs PyRadiomics 3.1.0 from its PyPI sdist into the running interpreter's environment.

Why this exists: `pip install pyradiomics==3.1.0` fails with the 3.1.0 sdist, for two packaging faults of that
release (not of the local setup): its pyproject.toml declares version "3.0.1a1", so pip discards the file as having
an "inconsistent version", and the sdist leaves out radiomics/src/cmatrices.h and cshape.h, so the C extensions do
not compile. This script fetches the same sdist through pip's configured package index (PEP 503 simple API),
checks its sha256, writes the two headers from the prototypes of the functions defined in the .c files that are
shipped, sets the declared version to 3.1.0 and lets pip build and install it. The feature code is untouched.
"""

import hashlib
import html.parser
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

NAME = "pyradiomics"
VERSION = "3.1.0"
SDIST = f"{NAME}-{VERSION}.tar.gz"
SHA256 = "24722c962a6bbd09bc39c1c67dbffe92435f9692a421fabaae8a6b4511eb48e4"


def index_url() -> str:
    out = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.index-url"], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout.strip():
        return out.stdout.strip()
    from pip._internal.models.index import PyPI  # pip's own default index

    return PyPI.simple_url


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href"]


def fetch_sdist() -> bytes:
    base = index_url().rstrip("/") + f"/{NAME}/"
    page = urllib.request.urlopen(base, timeout=120).read().decode()
    links = Links()
    links.feed(page)
    href = next((h for h in links.hrefs if urllib.parse.urlparse(h).path.endswith("/" + SDIST)), None)
    if href is None:
        sys.exit(f"{SDIST} not listed by the package index")
    data = urllib.request.urlopen(urllib.parse.urljoin(base, href), timeout=300).read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        sys.exit(f"{SDIST}: sha256 {digest} is not the published {SHA256}")
    return data


def write_headers(src: Path) -> None:
    # A header is the prototypes of the functions its .c file defines at top level.
    definition = re.compile(r"^(int|double|void)\s+(\w+)\s*\(([^)]*)\)\s*\{", re.M)
    for name in ("cmatrices", "cshape"):
        header = src / f"{name}.h"
        if header.exists():
            continue
        code = (src / f"{name}.c").read_text()
        protos = [f"{m[1]} {m[2]}({' '.join(m[3].split())});" for m in definition.finditer(code)]
        header.write_text("#include <stddef.h>\n" + "\n".join(protos) + "\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(fetch_sdist()), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
        root = Path(tmp) / f"{NAME}-{VERSION}"
        write_headers(root / "radiomics" / "src")
        pyproject = root / "pyproject.toml"
        pyproject.write_text(re.sub(r'(?m)^version = ".*"$', f'version = "{VERSION}"', pyproject.read_text()))
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", str(root)], check=True)


if __name__ == "__main__":
    main()
