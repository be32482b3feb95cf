"""Tells drf-spectacular how partner API tokens work, so /api/schema/ documents the security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.ApiTokenAuthentication"
    name = "partnerApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Partner agency credential: send `Authorization: Token <key>`. Keys are issued by an "
            "administrator, shown once, expire and can be revoked; every call is audited and rate-limited per key.",
        }
