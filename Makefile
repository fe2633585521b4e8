# Developer commands. The README's two set-up commands are `scripts/serve` and `scripts/test`.
.PHONY: serve test test-sqlite test-postgres lint format bench dev migrate

serve:          ## install, migrate, load default data, serve with gunicorn on :8000
	./scripts/serve

test:           ## install test needs and run lint + the suite on SQLite and PostgreSQL
	./scripts/test

test-sqlite:    ## the suite on SQLite only (assumes an installed .venv)
	env -u DATABASE_URL .venv/bin/pytest

test-postgres:  ## the suite on the local PostgreSQL only
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/pytest

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

dev:            ## Django's development server with DEBUG on (not for production)
	.venv/bin/northstar migrate && .venv/bin/northstar load_default_data && .venv/bin/northstar runserver

migrate:
	.venv/bin/northstar migrate

bench:          ## benchmarks under bench/ (figures go into docs/PERFORMANCE.md)
	.venv/bin/python bench/bench_assets.py --database both
