"""The API is strictly typed: where the schema says "string", a JSON number or boolean is a 400, not quietly turned
into text. DRF's CharField coerces 0 to "0"; partner systems that send the wrong type should hear about it.

Applied once from ProbationConfig.ready() to DRF's CharField (and so to EmailField, SlugField, RegexField...)."""

from rest_framework import fields

_original_to_internal_value = fields.CharField.to_internal_value


def _strict_to_internal_value(self, data):
    if not isinstance(data, str):
        self.fail("invalid")
    return _original_to_internal_value(self, data)


def apply() -> None:
    if fields.CharField.to_internal_value is not _strict_to_internal_value:
        fields.CharField.to_internal_value = _strict_to_internal_value


class LeanFieldsMixin:
    """Each serializer instance gets its fields as copies of the declared ones. DRF deep-copies every field, which
    re-creates it from its arguments: a MASH submit's nested serializers re-made about 23 fields a call, an eighth
    of the API's CPU under load. A plain field (no child, no fields of its own) is copied shallowly instead: binding
    sets attributes on the copy only, and what it shares with the declaration (validators, choices) is read-only.
    Fields holding other fields (nested serializers, lists) are still deep-copied, so nothing bound is shared."""

    def get_fields(self):
        import copy

        from rest_framework.serializers import BaseSerializer, ModelSerializer

        if isinstance(self, ModelSerializer):  # its fields come from the model, not only the declarations
            return super().get_fields()
        return {
            name: copy.deepcopy(field) if isinstance(field, BaseSerializer) or hasattr(field, "child") else copy.copy(field)
            for name, field in self._declared_fields.items()
        }


class RefuseUnknownFieldsMixin(LeanFieldsMixin):
    """A body key the serializer does not know is a 400 naming it (code `unknown_field`), not silently ignored: a
    typo such as `ratting` must not drop the partner's rating. Nested serializers using the mixin refuse theirs with
    their path (`subject.nickname`). `extra_allowed_fields` lists keys a serializer checks itself."""

    extra_allowed_fields: tuple[str, ...] = ()

    def to_internal_value(self, data):
        from collections.abc import Mapping

        from rest_framework.exceptions import ErrorDetail, ValidationError

        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in self.fields and key not in self.extra_allowed_fields]
            if unknown:
                raise ValidationError({
                    str(key): [ErrorDetail(f"Unknown field '{key}'.", code="unknown_field")] for key in unknown
                })
        return super().to_internal_value(data)
