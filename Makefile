# Two commands do all the set-up on a fresh machine (see README.md):
#   make run    install into .venv, then run the bot (local console when no token is set)
#   make test   install into .venv, then ruff, mypy and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench ocr

# Tesseract's Vietnamese model for reading screenshots: installed through apt as root or with sudo,
# otherwise one line says what to install (the bot runs without it and says images cannot be read).
ocr:
	@dpkg -s tesseract-ocr-vie >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-vie; \
	    elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq tesseract-ocr tesseract-ocr-vie; \
	    else echo "To read images: sudo apt-get install tesseract-ocr tesseract-ocr-vie"; fi; } || \
	  echo "To read images: apt-get install tesseract-ocr tesseract-ocr-vie"

$(BIN)/kiemchung: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@echo 'Installing Kiểm Chứng and its dependencies into $(VENV) (first time: a few minutes, ~500 MB; see README)'
	$(BIN)/pip install --progress-bar on -e '.[dev,semantic]'
	touch $@

run: $(BIN)/kiemchung ocr
	$(BIN)/kiemchung run $(ARGS)

lint: $(BIN)/kiemchung ocr
	$(BIN)/ruff check .
	$(BIN)/mypy

# The end-to-end suites once more with the bot's database on PostgreSQL (a throw-away server the tests
# start from Debian's postgresql binaries; skipped with a reason without them, failed in CI).
PG_E2E := tests/handlers/telegram/test_e2e.py tests/handlers/zalo/test_e2e.py

test: lint
	$(BIN)/pytest
	KIEMCHUNG_TEST_DATABASE=postgresql $(BIN)/pytest $(PG_E2E)

bench: $(BIN)/kiemchung
	$(BIN)/python bench/matcher_bench.py
	$(BIN)/python bench/images_bench.py
