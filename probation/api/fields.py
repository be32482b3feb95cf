from rest_framework import serializers
from rest_framework.fields import empty


class StrictSlugRelatedField(serializers.SlugRelatedField):
    """A slug reference where an empty string is an error, not a quiet "none" (DRF turns "" into null when the field
    allows null, so `"borough": ""` would otherwise be accepted as "no borough")."""

    def run_validation(self, data=empty):
        if data == "":
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().run_validation(data)
