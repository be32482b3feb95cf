"""Run the loopback GOV.UK Notify stand-in for the demo (see supervision/notify_local.py). Refused in production."""

from urllib.parse import urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from supervision.notify_local import LocalNotify


class Command(BaseCommand):
    help = "Serve the part of GOV.UK Notify's API that reminders use, on loopback, for the demo."

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("The local Notify stand-in is for development and the demo only.")
        url = urlparse(settings.NOTIFY_BASE_URL)
        if url.hostname not in ("127.0.0.1", "localhost"):
            raise CommandError("NOTIFY_BASE_URL is not a loopback address: the real Notify is configured.")
        server = LocalNotify(api_key=settings.NOTIFY_API_KEY, port=url.port or 6011)
        self.stdout.write(f"Local Notify on {server.url} (messages are kept in memory)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.stop()
