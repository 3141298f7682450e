# The README's commands. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# What `make install` installs: every package pinned with its hashes (scripts/lock.py).
LOCK   := requirements/all.lock
STAMP  := $(VENV)/.installed-$(shell cksum $(LOCK) | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEV    := DEBUG=1

# Bytecode caches. These machines set PYTHONDONTWRITEBYTECODE, so every Python process (each test
# worker, the suite's manage.py, Celery and settings subprocesses, runserver) compiled every module
# it imported from source: about 2 s of CPU each here. The commands write the caches, under the
# virtualenv, so the checkout stays free of __pycache__.
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX := $(abspath $(VENV))/pycache

.PHONY: install lock upgrade vendor run serve worker test lint format e2e bench messages backup restore prune-audit prune-jobs check-deploy clean

# The virtualenv gets uv first (its own pinned line of the lock, installed by this Python's pip;
# a Python whose pip cannot install into another environment gets pip in the venv instead),
# then uv installs the lock: about 4 s on a fresh machine where pip alone took about 33 s.
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(PYTHON) scripts/lock.py --entry uv > $(VENV)/uv.lock
	$(PYTHON) -m pip --python $(BIN)/python install -q --require-hashes -r $(VENV)/uv.lock \
	  || { $(BIN)/python -m ensurepip \
	       && $(BIN)/python -m pip install -q --require-hashes -r $(VENV)/uv.lock; }

$(STAMP): $(LOCK) | $(BIN)/uv
	$(BIN)/uv pip install -q --python $(BIN)/python --require-hashes -r $(LOCK)
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Refuses (with the fix) when pyproject.toml's dependencies changed and the lock was not remade.
install: $(STAMP)
	@$(BIN)/python scripts/lock.py --check --quiet

# After editing pyproject.toml's dependencies: re-resolve the lock, keeping the other pins.
lock: $(STAMP)
	$(BIN)/python scripts/lock.py
	$(MAKE) install

# Every package to the newest release pyproject.toml allows; then `make test` and commit the lock.
upgrade: $(STAMP)
	$(BIN)/python scripts/lock.py --upgrade
	$(MAKE) install

# Fetch the front-end packages pinned in static/vendor/MANIFEST.json from the npm registry,
# check their checksums and write them under static/vendor/ (needs npm).
vendor: install
	$(BIN)/python scripts/vendor_assets.py

var:
	mkdir -p var

run: install | var
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py load_demo --if-demo
	@echo "澄江街道党建工作平台: http://$(HOST):$(PORT)/"
	$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production app server: gunicorn (WEB_CONCURRENCY workers, default 2 per core + 1) with
# whitenoise serving the collected static files. Settings come from the environment (README,
# "Running for a whole district"); several servers behind a load balancer need REDIS_URL.
WEB_CONCURRENCY ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))
WORKER_CONCURRENCY ?= $(shell nproc)
serve: install | var
	$(BIN)/python manage.py collectstatic --noinput -v 0
	CHENGJIANG_SERVING=1 $(BIN)/gunicorn chengjiang.wsgi:application --bind $(HOST):$(PORT) \
	  --workers $(WEB_CONCURRENCY) --access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

# The Celery worker for long work (imports, large exports, year-end files, summary rebuilds);
# needs CELERY_BROKER_URL or REDIS_URL. One job at a time per process (prefetch 1).
worker: install
	$(BIN)/celery -A chengjiang worker --loglevel=INFO --concurrency $(WORKER_CONCURRENCY) \
	  -Q $${CELERY_QUEUE:-chengjiang}

# JOBS=1 runs the suite in one process (easier to debug).
JOBS ?= auto
test: install
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The browser journeys alone; screenshots land in e2e-artifacts/<journey>/.
e2e: install
	E2E_REQUIRED=1 E2E_SCREENSHOTS=1 $(BIN)/python -m pytest -p no:xdist tests/e2e $(PYTEST_ARGS)

# Issue 12's benchmarks on a scratch PostgreSQL database it creates and drops (127.0.0.1:5432,
# user postgres): full size by default (about 15 minutes on 2 cores); SIZE=small or SIZE=tiny.
bench: install
	$(BIN)/python bench/run.py $(if $(SIZE),--size $(SIZE),)

# Regenerate and compile every catalogue (needs gettext; the compiled .mo files are committed).
messages: export DEBUG=1
messages: install
	for d in branches cadres training; do \
	  (cd $$d && ../$(BIN)/python ../manage.py makemessages -l zh_Hans --no-obsolete --no-wrap && \
	   ../$(BIN)/python ../manage.py compilemessages -l zh_Hans) ; done
	for d in chengjiang/worktasks chengjiang/accounts chengjiang/jobs; do \
	  (cd $$d && ../../$(BIN)/python ../../manage.py makemessages -l zh_Hans --no-obsolete --no-wrap && \
	   ../../$(BIN)/python ../../manage.py compilemessages -l zh_Hans) ; done
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --no-wrap -i ".venv/*" -i "var/*" \
	  -i "branches/*" -i "cadres/*" -i "training/*" -i "chengjiang/worktasks/*" \
	  -i "chengjiang/accounts/*" -i "chengjiang/jobs/*" -i "tests/*" -i "bench/*" -i "static/*" -i "e2e-artifacts/*"
	cd locale/.. && $(BIN)/python -c "import subprocess; subprocess.run(['msgfmt', '-o', 'locale/zh_Hans/LC_MESSAGES/django.mo', 'locale/zh_Hans/LC_MESSAGES/django.po'], check=True)"
	# djangojs: Django admin's JavaScript texts its zh_Hans catalogue lacks (kept by hand)
	msgfmt -o locale/zh_Hans/LC_MESSAGES/djangojs.mo locale/zh_Hans/LC_MESSAGES/djangojs.po

backup: install | var
	$(BIN)/python manage.py backup $(if $(FILE),--output $(FILE),)

restore: install
	$(BIN)/python manage.py restore $(FILE)

prune-audit: install
	$(BIN)/python manage.py prune_audit_log

# Finished background jobs and their result files older than JOB_RETENTION_DAYS (default 30).
prune-jobs: install
	$(BIN)/python manage.py prune_jobs

check-deploy: install
	DEBUG=0 $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
