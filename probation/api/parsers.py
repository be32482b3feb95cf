"""The API's one parser: JSON, refused with a 413 naming the limit when larger than DATA_UPLOAD_MAX_MEMORY_SIZE, and
with a 400 when nested deeper than any real request needs, before Python's json module recurses into it (a few
thousand `[` would otherwise exhaust the stack and answer 500)."""

import io
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 20
# A whole string literal (escapes included), or one bracket: strings are skipped so brackets inside text never count.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth(raw: bytes) -> int:
    depth = deepest = 0
    for match in _TOKEN.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # At most one byte past the limit, whatever Content-Length said (Django checks only the header).
        raw = (stream.read(limit + 1) if limit is not None else stream.read()) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            from probation.api.errors import RequestTooLarge  # here: errors imports DRF views, which import parsers

            raise RequestTooLarge(f"The request body is over the limit of {limit} bytes.")
        if json_depth(raw) > MAX_DEPTH:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)

