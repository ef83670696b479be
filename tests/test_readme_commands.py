"""README's "Without make" commands stay in step with the Makefile's recipes.

The Makefile is parsed here (variables expanded, no ``make`` needed), and both the
bash and the PowerShell blocks of the README are translated to one canonical form:
the same commands in the same order, or the test names the first difference.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def make_variables(text: str) -> dict[str, str]:
    found = re.findall(r"^([A-Z_]+)\s*(?::=|\?=|=)\s*(.*?)\s*$", text, re.M)
    return dict(found)


def expand(text: str, variables: dict[str, str]) -> str:
    for _ in range(10):  # variables refer to variables: $(BIN) -> $(VENV)/bin
        text = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), m.group(0)), text)
    return text.replace("$$", "$")


def make_rules(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """``target -> (prerequisites, recipe lines)``, with variables expanded."""
    variables = make_variables(text)
    rules: dict[str, tuple[list[str], list[str]]] = {}
    target = None
    for line in text.splitlines():
        if line.startswith("\t") and target is not None:
            rules[target][1].append(expand(line[1:], variables))
        elif re.match(r"^[^\s#=]+:(?!=)", line):
            name, _, prerequisites = line.partition(":")
            target = expand(name, variables)
            rules[target] = (expand(prerequisites, variables).split("|")[0].split(), [])
        elif line and not line.startswith("#"):
            target = None
    return rules


def makefile_steps() -> list[str]:
    """What ``make book`` then ``make test`` run, minus make's own bookkeeping."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    rules = make_rules(text)
    stamp = expand("$(STAMP)", make_variables(text))
    targets = [stamp, "book", *rules["test"][0]]
    lines = [line for target in targets for line in rules[target][1]]
    return [canonical(line) for line in lines if not line.startswith(("@", "touch "))]


def canonical(line: str) -> str:
    """One spelling for the same command in make, bash and PowerShell."""
    line = re.sub(r"\s+#\s.*$", "", line).strip()
    line = re.sub(r"^test -x \S+ \|\| ", "", line)  # make skips an existing venv
    line = re.sub(r"^\S+( -[\d.]+)? -m venv ", "PYTHON -m venv ", line)
    line = line.replace(" --quiet", "")
    copy = re.match(
        r"if \(Test-Path (\S+)\) \{ New-Item -ItemType Directory -Force (\S+) \| Out-Null; "
        r"Copy-Item \1 \2[\\/]? \}$",
        line,
    )
    if copy:  # PowerShell's "copy if present", in sh words
        line = f"if [ -f {copy[1]} ]; then mkdir -p {copy[2]} && cp {copy[1]} {copy[2]}/; fi"
    line = re.sub(r"^Remove-Item -Recurse -Force -ErrorAction Ignore ", "rm -rf ", line)
    line = re.sub(r'^\$env:(\w+) = "([^"]*)"; ', r"\1=\2 ", line)
    line = line.replace("\\", "/").replace(".venv/Scripts/", ".venv/bin/")
    return line.rstrip("/") if line.startswith("if [") else line


def readme_block(language: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Without make", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(rf"```{language}\n(.*?)```", section, re.S)
    assert len(blocks) == 1, f"expected one {language} block under 'Without make'"
    lines = [line for line in blocks[0].splitlines() if line.strip()]
    return [canonical(line) for line in lines if not line.startswith("#")]


@pytest.mark.parametrize("language", ["bash", "powershell"])
def test_readme_commands_match_the_makefile(language):
    readme, make = readme_block(language), makefile_steps()
    for i, (ours, theirs) in enumerate(zip(readme, make, strict=False)):
        assert ours == theirs, f"{language} command {i + 1} differs from the Makefile's"
    assert len(readme) == len(make), f"{language}: {len(readme)} commands, Makefile {len(make)}"


def test_the_comparison_sees_a_change():
    make = makefile_steps()
    assert any("--cov-fail-under=95" in line for line in make)
    assert "PYTHON -m venv .venv" in make and ".venv/bin/jupyter-book build . --keep-going" in make
    assert canonical(".venv/bin/ruff check .") != canonical(".venv/bin/ruff check --fix .")


@pytest.mark.parametrize(
    ("windows", "unix"),
    [
        (r".venv\Scripts\python -m pip install -r requirements-dev.txt",
         ".venv/bin/python -m pip install -r requirements-dev.txt"),
        ('$env:BOOK_HTML = "_build\\test"; .venv\\Scripts\\python -m pytest',
         "BOOK_HTML=_build/test .venv/bin/python -m pytest"),
        (r"Remove-Item -Recurse -Force -ErrorAction Ignore _build\test", "rm -rf _build/test"),
        (r"py -3.12 -m venv .venv    # any Python", "python3 -m venv .venv"),
    ],
)  # fmt: skip
def test_powershell_and_bash_spellings_meet(windows, unix):
    assert canonical(windows) == canonical(unix)


def test_makefile_parser_expands_variables_and_reads_prerequisites():
    text = "A := x\nB := $(A)/y\nall: one two | order\n\t$(B) run $$HOME\n\n# c\nother:\n\tz\n"
    assert make_rules(text) == {"all": (["one", "two"], ["x/y run $HOME"]), "other": ([], ["z"])}
