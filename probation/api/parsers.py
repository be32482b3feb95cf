import io

from django.conf import settings
from rest_framework.parsers import JSONParser



class LimitedJSONParser(JSONParser):
    """JSON, up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes: a larger body is a 413 naming the limit (DRF reads the stream
    itself, so Django's own limit on `request.body` never applies to the API). Reads at most one byte past the limit,
    whatever Content-Length says."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            from probation.api.errors import RequestTooLarge  # here: errors imports DRF views, which import parsers

            raise RequestTooLarge(f"The request body is over the limit of {limit} bytes.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)
