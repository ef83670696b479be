"""cnn_lib runs on Windows and macOS too: no POSIX-only modules or behaviour in the library.

The scan reads every module of ``cnn_lib`` (not the tests: POSIX-only tools are fine
there, skipped elsewhere) and flags:

- platform-only modules (``resource``, ``fcntl``, ``pwd``, ... and Windows' ``msvcrt``,
  ``winreg``), unless imported inside ``try: ... except ImportError`` with a fallback;
  ``signal`` always (it imports everywhere, but its signals differ per system);
- ``os`` functions missing or different on some systems (``os.fork``, ``os.getuid``,
  ``os.kill``, ``os.rename``, which refuses to replace a file on Windows, ...) and the
  ``"fork"`` start method of ``multiprocessing``;
- hand-typed paths: absolute POSIX or Windows paths (``"/tmp"``, ``"~/x"``, ``"C:\\"``),
  and path-like values joined with a typed ``"/"`` or ``"\\"`` (URLs are exempt);
- text files opened without ``encoding=`` (the default differs on Windows).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "cnn_lib"

PLATFORM_MODULES = {"resource", "fcntl", "termios", "tty", "pty", "pwd", "grp", "posix", "syslog",
                    "crypt", "spwd", "nis", "msvcrt", "winreg", "winsound", "_winapi"}  # fmt: skip
ALWAYS_FLAGGED = {"signal"}
OS_FUNCTIONS = {"fork", "forkpty", "getuid", "geteuid", "getgid", "getegid", "setsid", "setpgrp",
                "getpgid", "killpg", "kill", "uname", "sync", "statvfs", "mkfifo", "chown",
                "lchown", "nice", "wait3", "wait4", "getloadavg", "sysconf", "rename",
                "sched_getaffinity", "sched_setaffinity"}  # fmt: skip
ABSOLUTE_PATH = re.compile(
    r"^(/(tmp|home|usr|var|etc|dev|proc|opt|root|mnt|bin|lib|sys|run|srv|media)(/|$)|~[/\\]"
    r"|[A-Za-z]:[/\\])"
)
PATH_LIKE = re.compile(r"path|dir|folder|file|root|home|cache|prefix", re.I)
URL_LIKE = re.compile(r"url|mirror", re.I)
SEPARATORS = ("/", "\\")

#: Findings that are right on every system, each with its reason. Nothing else is allowed.
JUSTIFIED = {
    ("datasets/sources.py", "path '/usr/share/datasets/fashion-mnist'"): (
        "Debian's dataset package installs there; the loader only asks whether the files "
        "exist, which is simply False on other systems"
    ),
    ("datasets/cifar.py", "'/' joins path-like FOLDER"): (
        "names of members inside the CIFAR-10 tar archive, where '/' is the separator on "
        "every system (POSIX tar format); they are never used as file-system paths"
    ),
}
#: Findings whose fix belongs to another helper; strict xfail, so the entry must be
#: deleted as soon as the fix lands (see /work/wt/DECISIONS.md, entry 2).
PENDING: dict[str, str] = {}  # file -> why it is still allowed; empty: nothing is


def _guarded_by_import_error(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                names = ast.unparse(handler.type) if handler.type else "BaseException"
                if "ImportError" in names or "ModuleNotFoundError" in names:
                    return True
    return False


def _guarded_by_hasattr(node: ast.Attribute, parents: dict) -> bool:
    """``os.x(...) if hasattr(os, "x") else ...`` (or an ``if`` block) is portable."""
    check = f"hasattr(os, '{node.attr}')"
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.If, ast.IfExp)) and check in ast.unparse(node.test):
            return True
    return False


def _enclosing_function(node: ast.AST, parents: dict) -> str:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node.name
    return ""


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds) and node.body and isinstance(node.body[0], ast.Expr)
    }


def _separator_joins(node: ast.AST) -> list[str]:
    """Path-like values joined with a typed separator: f"{folder}/x", a + "/" + b."""
    if isinstance(node, ast.JoinedStr):
        parts = node.values
        pairs = [(a, b) for a, b in zip(parts, parts[1:], strict=False)]
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        pairs = [(node.left, node.right)]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        target = node.func.value
        if node.func.attr != "join" or not isinstance(target, ast.Constant):
            return []
        pairs = [(target, arg) for arg in node.args]
    else:
        return []
    found = []
    for a, b in pairs:
        for text, other in ((a, b), (b, a)):
            if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                continue
            if not text.value.startswith(SEPARATORS) and not text.value.endswith(SEPARATORS):
                continue
            source = ast.unparse(other)
            names = re.findall(r"[A-Za-z_]\w*", source)
            pathy = [name for name in names if PATH_LIKE.search(name)]
            if pathy and not URL_LIKE.search(source):
                found.append(f"{text.value[0]!r} joins path-like {pathy[0]}")
    return found


def scan(source: str) -> list[str]:
    """Every portability problem in ``source``, as ``"line N: what"`` strings."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    docstrings = _docstrings(tree)
    found = []

    def flag(node, what):
        found.append(f"line {node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in (n.split(".")[0] for n in names if n):
                guarded = _guarded_by_import_error(node, parents)
                if name in ALWAYS_FLAGGED or (name in PLATFORM_MODULES and not guarded):
                    flag(node, f"platform-only module {name}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            guarded = _guarded_by_hasattr(node, parents)
            if node.value.id == "os" and node.attr in OS_FUNCTIONS and not guarded:
                flag(node, f"os.{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and ABSOLUTE_PATH.match(node.value):
                flag(node, f"path {node.value!r}")
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if func.split(".")[-1] in ("get_context", "set_start_method") and "fork" in args:
                flag(node, "multiprocessing start method 'fork'")
            keywords = {k.arg for k in node.keywords}
            mode = next((a for a in args if isinstance(a, str)), "r")
            is_open = func in ("open", "io.open") or func.endswith((".read_text", ".write_text"))
            if is_open and "b" not in mode and "encoding" not in keywords:
                flag(node, f"{func}() of a text file without encoding=")
        for what in _separator_joins(node):
            if not URL_LIKE.search(_enclosing_function(node, parents)):
                flag(node, what)
    return found


def library_files() -> list[Path]:
    return sorted(LIBRARY.rglob("*.py"))


def unjustified(path: Path) -> list[str]:
    relative = path.relative_to(LIBRARY).as_posix()
    return [
        problem
        for problem in scan(path.read_text(encoding="utf-8"))
        if (relative, problem.split(": ", 1)[1]) not in JUSTIFIED
    ]


def _param(path: Path):
    relative = path.relative_to(LIBRARY).as_posix()
    pending = relative in PENDING
    marks = [pytest.mark.xfail(strict=True, reason=PENDING[relative])] if pending else []
    return pytest.param(path, id=relative, marks=marks)


@pytest.mark.parametrize("path", [_param(p) for p in library_files()])
def test_library_module_is_portable(path):
    assert unjustified(path) == []


def test_every_justified_entry_still_matches_something():
    found = {
        (p.relative_to(LIBRARY).as_posix(), problem.split(": ", 1)[1])
        for p in library_files()
        for problem in scan(p.read_text(encoding="utf-8"))
    }
    assert set(JUSTIFIED) <= found, "delete the allow-list entries that no longer match"
    assert all((LIBRARY / name).is_file() for name in PENDING)


# The scanner itself: each rule finds its example and leaves the look-alikes alone.
@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import resource", "platform-only module resource"),
        ("import fcntl, os", "platform-only module fcntl"),
        ("from pwd import getpwnam", "platform-only module pwd"),
        ("import msvcrt", "platform-only module msvcrt"),
        ("try:\n    import signal\nexcept ImportError:\n    signal = None", "module signal"),
        ("import os\npid = os.fork()", "os.fork"),
        ("import os\nos.rename(a, b)", "os.rename"),
        ("import os\nuid = os.getuid()", "os.getuid"),
        ("load = os.getloadavg() if hasattr(os, 'fork') else None", "os.getloadavg"),
        ("ctx = multiprocessing.get_context('fork')", "start method 'fork'"),
        ("TMP = '/tmp/cnn'", "path '/tmp/cnn'"),
        ("CACHE = '~/.cache/cnn_lib'", "path '~/.cache/cnn_lib'"),
        ("D = 'C:\\\\data'", "path 'C:\\\\data'"),
        ("p = folder + '/' + name", "'/' joins path-like folder"),
        ("p = f'{cache_dir}/mnist'", "'/' joins path-like cache_dir"),
        ("p = f'{root}\\\\x'", "'\\\\' joins path-like root"),
        ("p = '/'.join([home, 'x'])", "'/' joins path-like home"),
        ("text = open(path).read()", "open() of a text file without encoding="),
        ("text = Path(p).read_text()", ".read_text() of a text file without encoding="),
    ],
)
def test_scanner_finds(code, expected):
    problems = scan(code)
    assert len(problems) == 1 and expected in problems[0], problems


@pytest.mark.parametrize(
    "code",
    [
        "try:\n    import resource\nexcept ImportError:\n    resource = None",
        "import os\nos.replace(a, b)\nn = os.cpu_count()",
        "load = os.getloadavg() if hasattr(os, 'getloadavg') else None",
        "if hasattr(os, 'fork'):\n    pid = os.fork()",
        "def f():\n    '''Reads /usr/share/datasets/x.'''",
        "url = base_url.rstrip('/') + '/' + name",
        "def mirror_urls(folder):\n    return generic + '/' + folder",
        "desc = f'epoch {epoch + 1}/{epochs}'",
        "html = f'<path d=\"{d}\"/>'",
        "mime = 'text/html'",
        "text = open(path, encoding='utf-8').read()\ndata = open(path, 'rb').read()",
        "data = Path(p).read_text(encoding='utf-8')",
        "with tarfile.open(fileobj=f, mode='r:gz') as tar:\n    pass",
        "p = Path(root) / 'mnist' / name",
    ],
)
def test_scanner_leaves_portable_code_alone(code):
    assert scan(code) == []
