"""probation.api.strict_types.LeanFieldsMixin: each serializer gets fields of its own, plain ones copied shallowly,
and validates exactly as with DRF's deep copies."""

import copy

import pytest
from rest_framework import serializers

from safeguarding.api.serializers import RequestSubmitSerializer
from tests.partners.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

BODY = {
    "subject": {"first_name": " Daniel ", "last_name": "Okafor", "aliases": ["Danny Oak"], "date_of_birth": "1988-03-14",
                "address": "12 Hillside Road"},
    "concerned": [{"age_group": "child", "name": "Amara Lewis", "date_of_birth": "2017-06-01"}],
    "reason": "Section 47 enquiry",
    "rating": "red",
    "requester": {"name": "Sam Worker", "email": "sam@camden-mash.example"},
}


class DeepCopied(RequestSubmitSerializer):
    """The same serializer with DRF's own field copies, for comparison."""

    def get_fields(self):
        return copy.deepcopy(self._declared_fields)


def test_each_serializer_has_fields_of_its_own_and_the_declarations_stay_unbound():
    organisation = OrganisationFactory()
    first = RequestSubmitSerializer(data=BODY, context={"organisation": organisation})
    second = RequestSubmitSerializer(data=BODY, context={"organisation": organisation})
    assert first.is_valid(), first.errors
    assert second.is_valid(), second.errors
    for name, field in first.fields.items():
        assert field is not second.fields[name]
        assert field.parent is first and second.fields[name].parent is second
        assert field is not RequestSubmitSerializer._declared_fields[name]
    assert all(getattr(f, "parent", None) is None for f in RequestSubmitSerializer._declared_fields.values())
    assert first.fields["subject"].fields["first_name"].root is first


@pytest.mark.parametrize("body", [
    BODY,
    {**BODY, "rating": "purple"},
    {**BODY, "subject": {**BODY["subject"], "first_name": 7}},
    {**BODY, "concerned": [{"age_group": "elder", "name": ""}]},
    {**BODY, "unknown": 1},
    {},
])
def test_validation_is_the_same_as_with_deep_copies(body):
    organisation = OrganisationFactory()
    lean = RequestSubmitSerializer(data=body, context={"organisation": organisation})
    deep = DeepCopied(data=body, context={"organisation": organisation})
    assert lean.is_valid() == deep.is_valid()
    assert lean.errors == deep.errors
    if not lean.errors:
        assert lean.validated_data == deep.validated_data


def test_a_model_serializer_keeps_its_model_fields():
    from probation.api.strict_types import RefuseUnknownFieldsMixin
    from probation.models import ClosureDay

    class ClosureDaySerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
        class Meta:
            model = ClosureDay
            fields = ["date", "reason"]

    assert set(ClosureDaySerializer().fields) == {"date", "reason"}
