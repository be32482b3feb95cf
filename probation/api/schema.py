"""OpenAPI post-processing shared by every app's API: the error answers any operation can give are documented once
here, so clients (and the schemathesis fuzzing in CI) know every status code the API may return."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Field errors: each key is a field (or non_field_errors) with a list of messages.",
    "additionalProperties": True,
}

STANDARD_ERRORS = {
    "401": ("Missing, malformed, expired or revoked credentials.", "Error"),
    "403": ("These credentials may not perform this operation.", "Error"),
    "404": ("Not found, or not your organisation's (also an invalid page number).", "Error"),
    "429": ("Too many requests for this credential; retry after the Retry-After header.", "Error"),
}


def add_standard_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    components.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            errors = dict(STANDARD_ERRORS)
            if method in {"post", "put", "patch"} or operation.get("parameters"):
                errors["400"] = ("Invalid input: field errors.", "ValidationError")
            for status, (description, schema_name) in errors.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
                    },
                )
    return result
