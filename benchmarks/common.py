"""What every benchmark script shares: its scratch database, created once, and timing a call beside its query count."""

import statistics
import time
from urllib.parse import urlparse


def ensure_database(url: str) -> None:
    """Create the benchmark's own PostgreSQL database if it does not exist yet (kept between runs)."""
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
                             password=parsed.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')  # nosec B608 - name from the operator's own database URL
    admin.close()


def timed(fn, repeat: int) -> dict:
    """Median and p95 milliseconds of `repeat` calls after one warm-up call, which also gives the query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"median_ms": statistics.median(times), "p95_ms": p95, "queries": queries}
