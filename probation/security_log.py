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
