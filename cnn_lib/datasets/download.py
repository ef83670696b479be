"""Download a file safely: mirrors, a timeout, a progress bar, verify, then move into place.

The file is written to a hidden temporary file *in the destination folder*
and renamed over the destination (``os.replace``, atomic on one file system)
only after it has been checked. An interrupted, truncated or corrupt download
therefore never leaves a file that looks valid.
"""

from __future__ import annotations

import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from tqdm.auto import tqdm

CHUNK_SIZE = 1 << 16
DEFAULT_TIMEOUT = 30.0


class DownloadError(OSError):
    """Every mirror failed; the message lists each URL and why."""


def check_url(url: str, name: str) -> str:
    """Return ``url`` if it is an http(s) URL, else raise ``ValueError`` naming ``name``."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"{name} must be an http:// or https:// URL, got {url!r}")
    return url


def _describe(err: BaseException) -> str:
    """A one-line reason for a failed attempt, without a traceback."""
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return f"cannot connect ({err.reason})"
    if isinstance(err, TimeoutError):
        return "timed out"
    return str(err) or type(err).__name__


def _copy_url(url: str, out, *, timeout: float, progress: bool, label: str) -> None:
    """Stream ``url`` into the open binary file ``out``, checking its length."""
    request = urllib.request.Request(url, headers={"User-Agent": "cnn_lib"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        received = 0
        with tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=label,
            disable=not progress,
        ) as bar:
            while chunk := response.read(CHUNK_SIZE):
                out.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    # http.client does not complain when a server closes the connection early,
    # so compare with the announced length ourselves.
    if total is not None and received != total:
        raise DownloadError(f"connection closed after {received} of {total} bytes")


def download(
    urls: Iterable[str],
    dest: str | os.PathLike,
    *,
    verify: Callable[[Path], None] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool = True,
) -> Path:
    """Download the first URL that works to ``dest``, verified, atomically.

    Parameters
    ----------
    urls : iterable of str
        Mirrors of the same file, tried in order.
    dest : str or os.PathLike
        Final path; its folder must exist.
    verify : callable, optional
        Called with the temporary file's path; raises ``ValueError`` (or
        ``OSError``) if the content is wrong, e.g. a checksum mismatch.
    timeout : float
        Seconds to wait for the server to connect or send more data.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    DownloadError
        If every URL failed; the message says why each one failed. Nothing is
        left at ``dest`` or in its folder.
    """
    dest = Path(dest)
    failures = []
    for url in urls:
        # Created before the try: a folder we cannot write to is not a mirror problem.
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        tmp = Path(tmp_name)
        moved = False
        try:
            with os.fdopen(fd, "wb") as out:
                _copy_url(url, out, timeout=timeout, progress=progress, label=dest.name)
            if verify is not None:
                verify(tmp)
            os.replace(tmp, dest)
            moved = True
            return dest
        except (OSError, ValueError, http.client.HTTPException) as err:
            failures.append(f"  {url}: {_describe(err)}")
        finally:
            # Also runs on KeyboardInterrupt: no half-written file survives.
            if not moved:
                tmp.unlink(missing_ok=True)
    if not failures:
        raise ValueError("urls must contain at least one URL, got none")
    raise DownloadError(f"could not download {dest.name}:\n" + "\n".join(failures))
