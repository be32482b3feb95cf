"""gunicorn settings for the web service: docker-compose.yml, the Dockerfile, the README's command, the production
smoke test and benchmarks/load_test.py all start gunicorn with `--config gunicorn.conf.py`.

Threaded workers (gthread): a thread waiting on PostgreSQL or Redis leaves the CPU to another, and a client's
connection is kept alive between calls (a partner system polling the API does not reconnect for every call; sync
workers close the connection after each response). On the 2-CPU machine the load test runs on, 2 workers x 8 threads
served the partner API about twice as fast as 5 sync workers (benchmarks/load_test_results.txt). Each thread keeps
its own database connection (CONN_MAX_AGE), so a web container holds up to WEB_WORKERS x WEB_THREADS connections."""

import os

from probation.env import env_int

worker_class = "gthread"
workers = env_int("WEB_WORKERS", max(2, os.cpu_count() or 1), minimum=1)
threads = env_int("WEB_THREADS", 8, minimum=1)
timeout = 60
keepalive = 5  # seconds an idle client connection is kept open
