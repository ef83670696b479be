# Two commands for a newcomer:  make book  (set up + build the book)  and  make test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HTML   := _build/html
# `make test` builds into its own folder from scratch, so the reader's cache stays.
TEST_OUT := _build/test

.PHONY: setup book test lint format unit book-check browser bench lab serve clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

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

lab: $(STAMP)
	$(BIN)/jupyter lab book/

serve:
	@test -d $(HTML) || (echo "no $(HTML): run 'make book' first" && exit 1)
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory $(HTML) 8000

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf _build .pytest_cache .coverage
