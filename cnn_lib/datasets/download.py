"""Download a file safely: mirrors, a deadline, a size cap, verify, then move into place.

Taught in chapter 14, Colour images (where ``load_cifar10`` downloads CIFAR-10).

The file is written to a hidden temporary file *in the destination folder*
(``.<name>.<random>.part``) and renamed over the destination (``os.replace``,
atomic on one file system) only after it has been checked. An interrupted,
truncated or corrupt download therefore never leaves a file that looks valid.

Three limits keep a bad server from holding or filling the machine:

- a **deadline**: ``timeout`` is the total number of seconds allowed for one
  file, not per socket read (a server sending one byte every few seconds is
  stopped when the time is up);
- a **size cap**: a response announcing or sending more than ``max_bytes`` is
  stopped at once;
- **stale parts**: ``.part`` files left by a killed process are removed by
  :func:`remove_stale_parts`, which the loaders call before downloading.
"""

from __future__ import annotations

import http.client
import math
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from tqdm.auto import tqdm

CHUNK_SIZE = 1 << 16
#: Seconds allowed per file when neither ``timeout=`` nor ``$CNN_LIB_TIMEOUT`` says otherwise.
DEFAULT_TIMEOUT = 300.0
TIMEOUT_VARIABLE = "CNN_LIB_TIMEOUT"


class DownloadError(OSError):
    """Every mirror failed; the message lists each URL and why."""


def check_url(url: str, name: str) -> str:
    """Return ``url`` if it is an http(s) URL, else raise ``ValueError`` naming ``name``."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"{name} must be an http:// or https:// URL, got {url!r}")
    return url


def resolve_timeout(timeout=None) -> float:
    """The deadline per file: ``timeout``, else ``$CNN_LIB_TIMEOUT``, else 300 seconds.

    Raises
    ------
    ValueError
        If the value is not a positive, finite number of seconds.
    """
    name = "timeout"
    if timeout is None and os.environ.get(TIMEOUT_VARIABLE):
        timeout, name = os.environ[TIMEOUT_VARIABLE], f"${TIMEOUT_VARIABLE}"
        try:
            timeout = float(timeout)
        except ValueError:
            pass  # reported below with the original text
    if timeout is None:
        return DEFAULT_TIMEOUT
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not (0 < timeout < math.inf)
    ):
        raise ValueError(
            f"{name} must be a positive number of seconds (the total time allowed per "
            f"file), got {timeout!r}"
        )
    return float(timeout)


def remove_stale_parts(folder: Path, names: Iterable[str], older_than: float) -> list[Path]:
    """Delete ``.<name>.*.part`` files in ``folder`` untouched for ``older_than`` seconds.

    A running download writes its part file at least once per deadline, so a
    part that old was left by a killed process. Returns the files removed.
    """
    removed = []
    now = time.time()
    for name in names:
        for part in Path(folder).glob(f".{name}.*.part"):
            try:
                if now - part.stat().st_mtime >= older_than:
                    part.unlink()
                    removed.append(part)
            except FileNotFoundError:  # another process cleaned it first
                pass
    return removed


def _describe(err: BaseException) -> str:
    """A one-line reason for a failed attempt, without a traceback."""
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return f"cannot connect ({err.reason})"
    if isinstance(err, TimeoutError):
        detail = str(err)
        return f"timed out ({detail})" if detail and detail != "timed out" else "timed out"
    return str(err) or type(err).__name__


def _set_socket_timeout(response, seconds: float) -> None:
    """Shorten the socket timeout of ``response`` to what is left of the deadline."""
    # urllib exposes no public handle on the socket; without one, each read
    # can still block up to the initial timeout, and the deadline is checked after it.
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def _chunks(response, deadline: float, timeout: float):
    """Yield the body of ``response`` in pieces; ``TimeoutError`` once ``deadline`` passes."""
    late = f"took longer than the {timeout:g} s allowed per file"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(late)
        _set_socket_timeout(response, left)
        try:
            # read1 returns what one socket read brings: a slow server cannot
            # keep a single call waiting for a whole chunk.
            chunk = response.read1(CHUNK_SIZE)
        except TimeoutError:  # the socket waited for all the time that was left
            raise TimeoutError(late) from None
        if not chunk:
            return
        yield chunk


def _copy_url(url, out, *, timeout: float, max_bytes, progress: bool, label: str) -> None:
    """Stream ``url`` into the open binary file ``out`` within ``timeout`` seconds in all."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": "cnn_lib"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if max_bytes is not None and total is not None and total > max_bytes:
            raise DownloadError(f"the server announces {total} bytes, more than {max_bytes}")
        received = 0
        with tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=label,
            disable=not progress,
        ) as bar:
            for chunk in _chunks(response, deadline, timeout):
                received += len(chunk)
                if max_bytes is not None and received > max_bytes:
                    raise DownloadError(f"the response grew past {max_bytes} bytes; stopped")
                out.write(chunk)
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
    timeout: float | None = None,
    max_bytes: int | None = None,
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
    timeout : float, optional
        Total seconds allowed per URL (connecting and transferring); default
        ``$CNN_LIB_TIMEOUT``, else 300.
    max_bytes : int, optional
        Stop a response that announces or sends more bytes than this.
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
    timeout = resolve_timeout(timeout)
    failures = []
    for url in urls:
        # Created before the try: a folder we cannot write to is not a mirror problem.
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        tmp = Path(tmp_name)
        moved = False
        try:
            with os.fdopen(fd, "wb") as out:
                _copy_url(
                    url,
                    out,
                    timeout=timeout,
                    max_bytes=max_bytes,
                    progress=progress,
                    label=dest.name,
                )
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
