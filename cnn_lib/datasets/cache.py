"""Find a data set's files: the cache folder, system copies, or a fresh download.

Where files are looked for, in order:

1. ``<home>/<folder>/`` where ``<home>`` is the ``root`` argument, else
   ``$CNN_LIB_DATA``, else ``$XDG_CACHE_HOME/cnn_lib``, else ``~/.cache/cnn_lib``;
2. ``root`` itself, when given (a folder holding the files directly);
3. system copies, e.g. Debian's ``/usr/share/datasets/fashion-mnist/``.

Missing files are downloaded into 1, each within a deadline (``timeout=``,
else ``$CNN_LIB_TIMEOUT``, else 300 s) and a size cap from the file's known
size; ``.part`` files left by a killed download are removed first. Every file
is checked against its SHA-256 each time it is loaded, reading it as a stream,
so a corrupt cache is caught rather than trained on.

Taught in chapter 14, Colour images (where ``load_cifar10`` fills the cache).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cnn_lib.datasets.download import (
    DownloadError,
    check_url,
    remove_stale_parts,
    resolve_timeout,
)
from cnn_lib.datasets.download import download as download_file
from cnn_lib.datasets.idx import read_idx, read_maybe_gzip
from cnn_lib.datasets.sources import GENERIC_URL_VARIABLE, SOURCES, Source

DATA_VARIABLE = "CNN_LIB_DATA"


class DatasetNotFoundError(FileNotFoundError):
    """The files are neither on disk nor downloadable; the message says how to get them."""


class ChecksumError(ValueError):
    """A file's SHA-256 is not the published one: it is corrupt or a different file."""


def data_home(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds the per-data-set cache folders.

    ``root`` if given, else ``$CNN_LIB_DATA``, else ``$XDG_CACHE_HOME/cnn_lib``,
    else ``~/.cache/cnn_lib``.
    """
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get(DATA_VARIABLE):
        return Path(os.environ[DATA_VARIABLE]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says to ignore relative paths.
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "cnn_lib"


def check_sha256(data: bytes, expected: str | None, source: str) -> None:
    """Raise ``ChecksumError`` unless ``sha256(data) == expected`` (``None`` skips the check)."""
    _check_digest(hashlib.sha256(data), expected, source)


def _check_digest(digest, expected: str | None, source: str) -> None:
    """Compare a finished ``hashlib.sha256`` object with the ``expected`` hex digest."""
    if expected is not None and digest.hexdigest() != expected.lower():
        raise ChecksumError(
            f"SHA-256 mismatch for {source}: expected {expected}, got {digest.hexdigest()}; "
            "the file is corrupt, truncated or not the expected one"
        )


def verify_file(path: Path, expected: str | None, source: str | None = None) -> None:
    """Check the SHA-256 of ``path``'s bytes, reading it in chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    _check_digest(digest, expected, source or str(path))


def verified_idx(path: Path, expected: str | None, max_bytes: int | None, source=None):
    """Read the IDX file ``path`` as a stream, checking the SHA-256 of its decompressed bytes."""
    digest = hashlib.sha256()
    array = read_idx(path, max_bytes=max_bytes, digest=digest)
    _check_digest(digest, expected, source or str(path))
    return array


def with_delete_hint(function, path: Path, *args):
    """Run ``function(path, *args)``; a checksum error says how to re-download."""
    try:
        return function(path, *args)
    except ChecksumError as err:
        raise ChecksumError(f"{err}. Delete {path} and load again to re-download it.") from None


def verified_bytes(path: Path, expected: str | None, decompressed: bool) -> bytes:
    """Read ``path`` (gunzipped when ``decompressed``) and check its SHA-256.

    For small trusted files (``scripts/make_sample.py``); the loaders stream instead.
    """
    data = read_maybe_gzip(path) if decompressed else Path(path).read_bytes()
    with_delete_hint(lambda p: check_sha256(data, expected, str(p)), path)
    return data


def mirror_urls(source: Source, base_url: str | None = None) -> list[str]:
    """Base URLs to try: ``base_url``, else the data set's variable, else the generic one."""
    if base_url is not None:
        return [check_url(base_url, "base_url")]
    if source.url_variable and os.environ.get(source.url_variable):
        return [check_url(os.environ[source.url_variable], source.url_variable)]
    if os.environ.get(GENERIC_URL_VARIABLE):
        generic = check_url(os.environ[GENERIC_URL_VARIABLE], GENERIC_URL_VARIABLE)
        return [generic.rstrip("/") + "/" + source.folder]
    return list(source.mirrors)


def search_dirs(source: Source, root=None) -> list[Path]:
    """The folders searched for ``source``'s files; the first is the download target."""
    dirs = [data_home(root) / source.folder]
    if root is not None:
        dirs.append(Path(root).expanduser())
    return dirs + [Path(d) for d in source.system_dirs]


def _find(source: Source, name: str, dirs: list[Path]) -> Path | None:
    # When the checksum is of the decompressed content, an already gunzipped
    # copy ("train-images-idx3-ubyte") is just as good as the archive.
    names = [name]
    if source.decompressed_checksums and name.endswith(".gz"):
        names.append(name[: -len(".gz")])
    for folder in dirs:
        for candidate in names:
            if (folder / candidate).is_file():
                return folder / candidate
    return None


def _not_found_message(source: Source, missing, dirs, reason: str, urls) -> str:
    variable = source.url_variable or GENERIC_URL_VARIABLE
    lines = [
        f"{source.title} files not found: {', '.join(missing)}.",
        "Looked in:",
        *(f"  {d}" for d in dirs),
        reason,
        "To provide them, do one of:",
        f"  - call again with download=True on a machine with internet access ({urls[0]});",
        f"  - copy the files into {dirs[0]} (pick another folder with root=... or by "
        f"setting the {DATA_VARIABLE} environment variable);",
        f"  - point base_url=... or the {variable} environment variable at a mirror;",
    ]
    if source.install_hint:
        lines.append(f"  - {source.install_hint}.")
    return "\n".join(lines)


def fetch(
    key: str,
    *,
    root=None,
    download: bool = True,
    base_url: str | None = None,
    progress: bool = True,
    timeout: float | None = None,
) -> dict[str, Path]:
    """Return ``{file name: path}`` for every file of ``SOURCES[key]``, downloading if needed.

    ``timeout`` is the total seconds allowed per downloaded file (default
    ``$CNN_LIB_TIMEOUT``, else 300); stale ``.part`` files are removed first.

    Raises
    ------
    DatasetNotFoundError
        If a file is missing and cannot be downloaded (``download=False``,
        no network, every mirror failing, too slow, too large or serving a bad file).
    ValueError
        If ``base_url`` (or a URL environment variable) is not an http(s) URL,
        or ``timeout`` is not a positive number.
    """
    source = SOURCES[key]
    timeout = resolve_timeout(timeout)
    urls = mirror_urls(source, base_url)
    dirs = search_dirs(source, root)
    if dirs[0].is_dir():  # parts untouched for a whole deadline belong to killed runs
        remove_stale_parts(dirs[0], source.files, older_than=timeout)
    paths = {name: _find(source, name, dirs) for name in source.files}
    missing = [name for name, path in paths.items() if path is None]
    if missing and not download:
        reason = "Downloading is switched off (download=False)."
        raise DatasetNotFoundError(_not_found_message(source, missing, dirs, reason, urls))
    if missing:
        dirs[0].mkdir(parents=True, exist_ok=True)
    for name in missing:
        expected, label = source.files[name], f"the downloaded {name}"

        def verify(tmp: Path, name=name, expected=expected, label=label) -> None:
            if source.decompressed_checksums:  # streamed, stopped at the known size
                verified_idx(tmp, expected, source.sizes.get(name), label)
            else:
                verify_file(tmp, expected, label)

        mirrors = [url.rstrip("/") + "/" + name for url in urls]
        try:
            paths[name] = download_file(
                mirrors,
                dirs[0] / name,
                verify=verify,
                timeout=timeout,
                max_bytes=source.download_cap(name),
                progress=progress,
            )
        except DownloadError as err:
            reason = f"Downloading failed: {err}"
            message = _not_found_message(source, missing, dirs, reason, urls)
            raise DatasetNotFoundError(message) from None
    return paths
