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
