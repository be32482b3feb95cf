from drf_spectacular.utils import extend_schema_field

from partners.london import BOROUGHS
from partners.models import Borough
from probation.api.fields import StrictSlugRelatedField

BOROUGH_CODES = [code for _, code, _, _ in BOROUGHS]


@extend_schema_field({"type": "string", "enum": BOROUGH_CODES, "description": "London borough code, e.g. camden."})
class BoroughCodeField(StrictSlugRelatedField):
    """A London borough by its code (one of the 33 local authority areas)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Borough.objects.all())
        super().__init__(**kwargs)
