"""Settings for benchmarks: the application's own settings (whatever DJANGO_ENV says), with the URLs of
benchmarks/bare_urls.py (the real ones plus a bare token-authenticated endpoint). Used by benchmarks/load_test.py
(DJANGO_SETTINGS_MODULE=benchmarks.bench_settings for its gunicorn) and benchmarks/api_bench.py."""

from probation.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bare_urls"
