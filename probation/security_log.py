"""Structured security events: ids and actions only, never personal data or free text."""

import logging

logger = logging.getLogger("probation.security")

SECURITY_ACTIONS = {"login", "login_failed", "logout", "denied", "api_token", "api_token_rejected", "lockout",
                    "mfa_verified", "mfa_failed", "mfa_enrolled", "mfa_reset", "password_changed", "session_expired"}


def security_event(action: str, *, user_id=None, ip=None, path: str = "", **fields):
    logger.info(
        action,
        extra={"event": action, "user_id": user_id, "ip": ip, "path": path[:200],
               **{k: v for k, v in fields.items() if isinstance(v, (int, float, bool, str)) or v is None}},
    )


class ClientErrorsWithoutTraceback(logging.Filter):
    """An ordinary 403 or 404 is logged as one line ("Forbidden (Permission denied): /path"), not with the traceback
    of the PermissionDenied that produced it; server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
