"""One error format for every API error, from drf-standardized-errors:

    {"type": "validation_error" | "client_error" | "server_error",
     "errors": [{"code": "required", "detail": "This field is required.", "attr": "concerned[0].date_of_birth"}]}

`code` is machine-readable (DRF's and Django's validator codes, plus ours: `unknown_field`, `request_too_large`,
`idempotency_key_reused`...); `attr` is the path of the field in the body, with list items as `[n]` and nested
objects joined by dots, or null for errors about the whole request. The same shape answers 400, 401, 403, 404, 405,
406, 413, 415, 422, 429 and 500, including Django's own 404/403/400/500 handlers under /api/ (probation.views)."""

from __future__ import annotations

from dataclasses import asdict

from django.http import JsonResponse
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.types import Error, ErrorResponse
from rest_framework import exceptions, status


def _path(parent: str | None, key) -> str:
    if isinstance(key, int):
        return f"{parent or ''}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def flatten(detail, attr: str | None = None) -> list[Error]:
    """DRF's nested error detail as a flat list, with `concerned[0].date_of_birth`-style paths."""
    errors: list[Error] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            errors += flatten(value, _path(attr, key) if key not in ("non_field_errors", "__all__") else attr)
    elif isinstance(detail, list):
        plain = all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail)
        for index, item in enumerate(detail):
            errors += flatten(item, attr if plain else _path(attr, index))
    elif detail or detail == "":
        errors.append(Error(getattr(detail, "code", "invalid"), str(detail), attr))
    return errors


class PathExceptionFormatter(ExceptionFormatter):
    def get_errors(self) -> list[Error]:
        return flatten(self.exc.detail)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


def error_response(status_code: int, code: str, detail: str, attr: str | None = None) -> JsonResponse:
    """The same shape for errors answered outside DRF (Django's handlers for /api/ paths)."""
    kind = "server_error" if status_code >= 500 else "client_error"
    body = asdict(ErrorResponse(kind, [Error(code, detail, attr)]))
    return JsonResponse(body, status=status_code)


from drf_standardized_errors.handler import ExceptionHandler as _BaseHandler  # noqa: E402


class ExceptionHandler(_BaseHandler):
    """drf-standardized-errors' handler, knowing Django's own "body too large" (raised when DRF reads the body) as a
    413 naming the limit; it is a client's error, logged as a warning without a traceback, never a 500."""

    def convert_known_exceptions(self, exc):
        from django.conf import settings
        from django.core.exceptions import RequestDataTooBig

        if isinstance(exc, RequestDataTooBig):
            return RequestTooLarge(f"The request body is over the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
        return super().convert_known_exceptions(exc)


def service_validation_error(exc) -> exceptions.ValidationError:
    """A service's Django ValidationError as the API's 400: field errors under their fields, others under `detail`."""
    return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
