"""A small GOV.UK Notify stand-in on loopback, for the demo and the tests (Notify itself cannot be reached from
here). It speaks the part of Notify's v2 HTTP API that the official client uses for reminders, so the real client
code runs end to end:

    POST /v2/notifications/sms     {"phone_number", "template_id", "personalisation", "reference"}  -> 201
    POST /v2/notifications/email   {"email_address", "template_id", "personalisation", "reference"} -> 201
    GET  /v2/notifications/<id>    -> 200 {"id", "status", ...}

Requests must carry `Authorization: Bearer <JWT>` signed (HS256) with the API key's secret and issued by its
service id, checked with the client library's own `decode_jwt_token`; anything else is Notify's 403 AuthError.
A bad number, address or template is Notify's 400 BadRequestError. Messages are kept in memory: status "created",
then "delivered" when read back, except numbers ending 999 ("permanent-failure") and 998 ("temporary-failure"),
as Notify's own test numbers behave. `fail_next(n)` makes the next n sends answer 500, to exercise retries.

    server = LocalNotify(api_key=settings.NOTIFY_API_KEY).start()   # port 0: a free port
    settings.NOTIFY_BASE_URL = server.url
    ...
    server.stop()

`manage.py notify_local` runs it in the foreground for the demo (port 6011, NOTIFY_BASE_URL's default).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MOBILE = re.compile(r"^(\+44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _error(status: int, kind: str, message: str) -> tuple[int, dict]:
    return status, {"status_code": status, "errors": [{"error": kind, "message": message}]}


class LocalNotify:
    def __init__(self, *, api_key: str, templates: set[str] | None = None, host: str = "127.0.0.1", port: int = 0):
        self.service_id = api_key[-73:-37]
        self.secret = api_key[-36:]
        self.templates = templates  # None: any template id is accepted
        self.messages: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self._fail = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LocalNotify":
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-notify", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._fail = count

    # --- the API -------------------------------------------------------------------------------------------------

    def _authorised(self, header: str | None) -> bool:
        from notifications_python_client.authentication import decode_jwt_token, get_token_issuer

        if not header or not header.startswith("Bearer "):
            return False
        token = header[len("Bearer "):]
        try:
            return get_token_issuer(token) == self.service_id and bool(decode_jwt_token(token, self.secret))
        except Exception:
            return False

    def _send(self, channel: str, body: dict) -> tuple[int, dict]:
        with self._lock:
            if self._fail > 0:
                self._fail -= 1
                return _error(500, "Exception", "Internal server error")
        to_field = "phone_number" if channel == "sms" else "email_address"
        to = str(body.get(to_field, ""))
        template = str(body.get("template_id", ""))
        if channel == "sms" and not MOBILE.match(to):
            return _error(400, "ValidationError", "phone_number Not a UK mobile number")
        if channel == "email" and not EMAIL.match(to):
            return _error(400, "ValidationError", "email_address Not a valid email address")
        if self.templates is not None and template not in self.templates:
            return _error(400, "BadRequestError", "Template not found")
        notification_id = str(uuid.uuid4())
        personalisation = body.get("personalisation") or {}
        content = " ".join(str(v) for v in personalisation.values())
        digits = re.sub(r"\D", "", to)
        final = "permanent-failure" if digits.endswith("999") else "temporary-failure" if digits.endswith("998") \
            else "delivered"
        with self._lock:
            self.messages[notification_id] = {"id": notification_id, "type": channel, "to": to,
                                              "template_id": template, "personalisation": personalisation,
                                              "reference": body.get("reference"), "status": "created",
                                              "final": final}
        return 201, {"id": notification_id, "reference": body.get("reference"),
                     "content": {"body": content, "from_number": "GOVUK"} if channel == "sms"
                     else {"body": content, "subject": "Your probation appointment", "from_email": "noreply@example"},
                     "uri": f"{self.url}/v2/notifications/{notification_id}",
                     "template": {"id": template, "version": 1, "uri": f"{self.url}/v2/templates/{template}"}}

    def _get(self, notification_id: str) -> tuple[int, dict]:
        with self._lock:
            message = self.messages.get(notification_id)
            if message is None:
                return _error(404, "NoResultFound", "No result found")
            message["status"] = message["final"]  # Notify's provider has reported back by the time it is asked
            return 200, {"id": message["id"], "reference": message["reference"], "type": message["type"],
                         "status": message["status"], "phone_number": message["to"] if message["type"] == "sms" else None,
                         "email_address": message["to"] if message["type"] == "email" else None,
                         "template": {"id": message["template_id"], "version": 1}}

    def _handler(self):
        notify = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: the tests and the demo log through Django
                return

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                notify.requests.append(("POST", self.path))
                if not notify._authorised(self.headers.get("Authorization")):
                    return self._answer(*_error(403, "AuthError", "Invalid token: signature, api token not found"))
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    return self._answer(*_error(400, "BadRequestError", "Invalid JSON supplied in POST data"))
                if self.path == "/v2/notifications/sms":
                    return self._answer(*notify._send("sms", body))
                if self.path == "/v2/notifications/email":
                    return self._answer(*notify._send("email", body))
                return self._answer(*_error(404, "NotFound", "Not found"))

            def do_GET(self):
                notify.requests.append(("GET", self.path))
                if not notify._authorised(self.headers.get("Authorization")):
                    return self._answer(*_error(403, "AuthError", "Invalid token: signature, api token not found"))
                match = re.fullmatch(r"/v2/notifications/([0-9a-f-]{36})", self.path)
                if match is None:
                    return self._answer(*_error(404, "NotFound", "Not found"))
                return self._answer(*notify._get(match.group(1)))

        return Handler
