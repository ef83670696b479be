"""Shared pytest fixtures: the shared test-data folder, a local HTTP server, a clean data env."""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The read-only shared test data (``../shared/data``); skips the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA}")
    return SHARED_DATA


class LocalServer:
    """Serves in-memory files at ``url + "/" + path`` and records every request path."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.send_only: dict[str, int] = {}
        self.stall: dict[str, float] = {}
        self.requests: list[str] = []
        self.url = ""

    def add(self, path: str, data: bytes, *, send_only: int | None = None, stall: float = 0.0):
        """Serve ``data`` at ``path``.

        ``send_only=k`` announces the full Content-Length but sends ``k`` bytes
        and closes the connection (a server dying mid-transfer); ``stall=s``
        waits ``s`` seconds after the headers (a hanging server).
        """
        path = path.strip("/")
        self.files[path] = data
        if send_only is not None:
            self.send_only[path] = send_only
        if stall:
            self.stall[path] = stall

    def count(self, path: str | None = None) -> int:
        """Number of requests, for one path or in all."""
        return len(self.requests) if path is None else self.requests.count(path.strip("/"))


def _handler_for(state: LocalServer):
    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 10  # seconds; no connection can keep a test waiting for long

        def do_GET(self):
            path = self.path.split("?", 1)[0].strip("/")
            state.requests.append(path)
            data = state.files.get(path)
            if data is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            time.sleep(state.stall.get(path, 0.0))
            try:
                self.wfile.write(data[: state.send_only.get(path, len(data))])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (e.g. a timeout test)
            self.close_connection = True

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler


@pytest.fixture
def http_server():
    """A ``LocalServer`` on 127.0.0.1 (free port), shut down after the test."""
    state = LocalServer()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def clean_data_env(tmp_path, monkeypatch) -> Path:
    """Remove the CNN_LIB_* data variables and point the user cache into ``tmp_path``.

    Returns the cache folder that ``data_home()`` then resolves to.
    """
    for name in (
        "CNN_LIB_DATA",
        "CNN_LIB_DATA_URL",
        "CNN_LIB_MNIST_URL",
        "CNN_LIB_FASHION_MNIST_URL",
        "CNN_LIB_CIFAR10_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return tmp_path / "xdg-cache" / "cnn_lib"
