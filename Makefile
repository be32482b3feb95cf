.PHONY: run test setup assets build benchmark

run:  ## install, migrate, seed demo data and serve http://127.0.0.1:8000 with Celery worker and beat
	bash scripts/run.sh

test:  ## the whole suite against the real PostgreSQL and Redis
	bash scripts/test.sh $(ARGS)

setup:
	bash scripts/setup.sh

assets:
	bash scripts/assets.sh

build:  ## the deployment build: front-end assets from npm, then production collectstatic with its manifest
	bash scripts/build.sh
