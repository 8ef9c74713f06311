# Two commands do all the set-up on a fresh machine (see README.md):
#   make run    install into .venv, then run the bot (local console when no token is set)
#   make test   install into .venv, then ruff, mypy and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench

$(BIN)/kiemchung: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@echo 'Installing Kiểm Chứng and its dependencies into $(VENV) (first time: a few minutes, ~500 MB; see README)'
	$(BIN)/pip install --progress-bar on -e '.[dev,semantic]'
	touch $@

run: $(BIN)/kiemchung
	$(BIN)/kiemchung run $(ARGS)

lint: $(BIN)/kiemchung
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(BIN)/kiemchung
	$(BIN)/python bench/matcher_bench.py
