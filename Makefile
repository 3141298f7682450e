# The README's commands. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEV    := DEBUG=1

.PHONY: install run test lint format e2e bench messages backup restore clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q ".[dev,e2e]"
	rm -rf build *.egg-info $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

var:
	mkdir -p var

run: install | var
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py load_demo
	@echo "澄江街道党建工作平台: http://$(HOST):$(PORT)/"
	$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

e2e: install
	E2E_REQUIRED=1 $(BIN)/python -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py

# Regenerate and compile every catalogue (needs gettext; the compiled .mo files are committed).
messages: install
	for d in branches cadres training chengjiang; do \
	  (cd $$d && ../$(BIN)/python ../manage.py makemessages -l zh_Hans --no-obsolete -i "worktasks/*" -i "accounts/*" ) ; done
	cd chengjiang/worktasks && ../../$(BIN)/python ../../manage.py makemessages -l zh_Hans --no-obsolete
	cd chengjiang/accounts && ../../$(BIN)/python ../../manage.py makemessages -l zh_Hans --no-obsolete
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete -i ".venv/*" -i "branches/*" -i "cadres/*" -i "training/*" -i "chengjiang/*" -i "tests/*" -i "bench/*" -i "var/*"
	$(BIN)/python manage.py compilemessages -l zh_Hans -i .venv -i var

backup: install | var
	$(BIN)/python manage.py backup $(if $(FILE),--output $(FILE),)

restore: install
	$(BIN)/python manage.py restore $(FILE)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
