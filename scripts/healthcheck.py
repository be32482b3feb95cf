"""The web container's health check (docker-compose.yml): GET /healthz on the local gunicorn, exit 0 on 200.

The request names the site's own host (the first of DJANGO_ALLOWED_HOSTS), as a request through the proxy would, so
production keeps refusing every other Host header (a plain request to 127.0.0.1 is a 400 there). /healthz is exempt
from the HTTPS redirect. HEALTHCHECK_URL overrides the address (default http://127.0.0.1:8000/healthz).
Standard library only: it runs every 15 seconds.
"""

import os
import sys
import urllib.error
import urllib.request


def site_host(allowed_hosts: str) -> str:
    first = next((h.strip() for h in allowed_hosts.split(",") if h.strip()), "")
    if first in ("", "*"):
        return "localhost"
    return first.lstrip(".")  # ".example.gov.uk" allows example.gov.uk itself too


def main() -> int:
    url = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/healthz")
    request = urllib.request.Request(url, headers={"Host": site_host(os.environ.get("DJANGO_ALLOWED_HOSTS", ""))})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # nosec B310 - a fixed http URL on loopback
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        print(f"healthz: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthz answered {status}", file=sys.stderr)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
