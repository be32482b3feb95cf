from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StrictPageNumberPagination(PageNumberPagination):
    """Page-number pagination that refuses a malformed page (`?page=` or `?page=abc`) with 404 "Invalid page."
    instead of quietly serving page 1, so a client bug is visible. `page_size` may be asked for, up to 200."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        page_number = request.query_params.get(self.page_query_param)
        if page_number is None:
            return 1
        if page_number in self.last_page_strings:
            return paginator.num_pages
        return page_number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1})
        return parameters

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except (TypeError, ValueError):
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"Enter a whole number from 1 to {self.max_page_size}."]})
        return size


class KeysetPagination:
    """Keyset (cursor) pagination: each page is `WHERE (key, id) beyond the last row ORDER BY key, id LIMIT n+1` on
    an index, so page 1,000 costs what page 1 costs and no COUNT is made. The cursor is opaque to clients (base64
    of the ordering and the last row's key); a row changing between pages is never skipped when paging by
    `updated_at` ascending, because a change moves it later, past the cursor.

    Used directly by views: `rows, next_url = KeysetPagination().paginate(queryset, request, ordering=...)`."""

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def page_size_for(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except (TypeError, ValueError):
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"Enter a whole number from 1 to {self.max_page_size}."]})
        return size

    @staticmethod
    def encode(mode: str, key, pk: int) -> str:
        import base64
        import json

        raw = json.dumps([mode, key.isoformat() if hasattr(key, "isoformat") else key, pk], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, cursor: str, mode: str):
        import base64
        import binascii
        import json
        from datetime import datetime

        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            cursor_mode, key, pk = json.loads(raw)
            key = datetime.fromisoformat(key)
            if cursor_mode != mode or not isinstance(pk, int) or key.tzinfo is None:
                raise ValueError
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise ValidationError({self.cursor_query_param: ["Invalid cursor: use the `next` link as given."]}) from None
        return key, pk

    def paginate(self, queryset, request, *, mode: str, field: str, descending: bool):
        """(rows of this page, URL of the next page or None). `field` then `id` order the rows (both descending or
        both ascending), as an index has them."""
        from django.db.models import Q
        from rest_framework.utils.urls import replace_query_param

        size = self.page_size_for(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None:
            key, pk = self.decode(cursor, mode)
            if descending:
                queryset = queryset.filter(**{f"{field}__lte": key}).filter(Q(**{f"{field}__lt": key}) | Q(**{field: key, "pk__lt": pk}))
            else:
                queryset = queryset.filter(**{f"{field}__gte": key}).filter(Q(**{f"{field}__gt": key}) | Q(**{field: key, "pk__gt": pk}))
        order = (f"-{field}", "-pk") if descending else (field, "pk")
        rows = list(queryset.order_by(*order)[: size + 1])
        next_url = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            next_url = replace_query_param(
                request.build_absolute_uri(), self.cursor_query_param, self.encode(mode, last[field], last["pk"])
            )
        return rows, next_url

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.cursor_query_param, "in": "query", "required": False,
             "description": "The page after the one whose `next` link gave this cursor.", "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "in": "query", "required": False,
             "description": f"Rows a page, 1 to {self.max_page_size} (default {self.page_size}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
        ]
