# Two commands for a newcomer:  make book  (set up + build the book)  and  make test.
# Without make (Windows, macOS without the command-line tools): README.md, "Without make",
# gives the same steps as plain commands; tests/test_readme_commands.py keeps them in step.
PYTHON ?= python3
# The oldest Python that every pin in requirements*.txt supports (NumPy 2.4, matplotlib 3.11
# and SciPy 1.17 have no release for 3.10). Same floor as requires-python in pyproject.toml.
PYTHON_MIN := 3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HTML   := _build/html
# `make test` builds into its own folder from scratch, so the reader's cache stays.
TEST_OUT := _build/test
# JupyterLab reads settings overrides from here: they apply to this project's Lab only.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings

.PHONY: setup book test lint format unit book-check browser bench lab serve clean python-check

# Every target that needs the venv runs python-check first (order-only: it never forces a
# reinstall). It checks the venv's Python once the venv exists, else $(PYTHON).
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml $(wildcard jupyter/overrides.json) | python-check
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
# HOOK (issue 16, helper book-infra): JupyterLab settings shipped with the repo
# (jupyter/overrides.json, e.g. save widget state) are installed into the venv only.
	if [ -f jupyter/overrides.json ]; then mkdir -p $(LAB_SETTINGS) && cp jupyter/overrides.json $(LAB_SETTINGS)/; fi
	touch $(STAMP)

# One clear message instead of a pip resolution error that never mentions Python.
python-check:
	@py="$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))"; \
	found=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	case "$$found" in [0-9]*.[0-9]*) ;; *) found="";; esac; \
	major=$${found%%.*}; minor=$${found#*.}; \
	if [ -z "$$found" ]; then \
	  echo "make: '$$py' does not run as Python (not installed or not on your PATH). This project needs Python >= $(PYTHON_MIN): install one, then run  make $(or $(MAKECMDGOALS),book) PYTHON=python3.12  (or the full path of any Python >= $(PYTHON_MIN))." >&2; exit 1; \
	elif [ "$$major" -lt $(word 1,$(subst ., ,$(PYTHON_MIN))) ] || { [ "$$major" -eq $(word 1,$(subst ., ,$(PYTHON_MIN))) ] && [ "$$minor" -lt $(word 2,$(subst ., ,$(PYTHON_MIN))) ]; }; then \
	  if [ "$$py" = "$(BIN)/python" ]; then again="delete $(VENV), then run"; else again="run"; fi; \
	  echo "make: '$$py' is Python $$found, but this project needs Python >= $(PYTHON_MIN) (its pinned NumPy, matplotlib and SciPy need it). Point the Makefile at a newer Python: $$again  make $(or $(MAKECMDGOALS),book) PYTHON=python3.12  (or the full path of any Python >= $(PYTHON_MIN))." >&2; exit 1; \
	fi

setup: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --keep-going
	@echo "Book built: open file://$(CURDIR)/$(HTML)/index.html"

test: lint unit book-check browser
	@echo "make test: all checks passed"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not browser" --cov=cnn_lib --cov-report=term --cov-fail-under=95

# A clean build with warnings as errors; executes every notebook.
book-check: $(STAMP)
	rm -rf $(TEST_OUT)
	$(BIN)/jupyter-book build . -W --keep-going --path-output $(TEST_OUT)

browser: $(STAMP)
	BOOK_HTML=$(TEST_OUT)/_build/html $(BIN)/python -m pytest -m browser -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m cnn_lib.benchmark

# JupyterLab on the book's folder with the venv's kernel; containers run as root, and Lab
# refuses root without --allow-root, so it is added for root only.
lab: $(STAMP)
	$(BIN)/jupyter lab $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) book/

serve:
	@test -d $(HTML) || (echo "no $(HTML): run 'make book' first" && exit 1)
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory $(HTML) 8000

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf _build .pytest_cache .coverage
