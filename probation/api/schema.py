"""OpenAPI post-processing shared by every app's API: every error answer has one shape (probation/api/errors.py),
documented once here for every status code an operation can give, so clients (and the schemathesis fuzzing in CI)
know every answer the API may return."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error has this shape. `code` is machine-readable; `attr` is the field's path in the body "
    "(`subject.first_name`, `concerned[0].date_of_birth`) or null when the error is about the whole request.",
    "properties": {
        "type": {"type": "string", "enum": ["validation_error", "client_error", "server_error"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "description": "Machine-readable, e.g. required, invalid, "
                             "unknown_field, max_length, not_found, not_authenticated, throttled, request_too_large, "
                             "idempotency_key_reused."},
                    "detail": {"type": "string", "description": "What went wrong, for a person."},
                    "attr": {"type": "string", "nullable": True},
                },
                "required": ["code", "detail", "attr"],
            },
        },
    },
    "required": ["type", "errors"],
}

STANDARD_ERRORS = {
    "401": "Missing, malformed, expired or revoked credentials.",
    "403": "These credentials may not perform this operation.",
    "404": "Not found, or not your organisation's.",
    "405": "This method is not allowed here.",
    "406": "Only application/json answers are available.",
    "429": "Too many requests for this credential (or too many refused credentials from this address); retry after "
    "the Retry-After header.",
}
BODY_ERRORS = {
    "413": "The request body is over the size limit (named in the error).",
    "415": "Send the body as application/json.",
}


def add_standard_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            errors = dict(STANDARD_ERRORS)
            if method in {"post", "put", "patch"}:
                errors.update(BODY_ERRORS)
            if method in {"post", "put", "patch"} or operation.get("parameters"):
                errors["400"] = "Invalid input: one error per field, each naming its path in `attr`."
            for status, description in errors.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return result


# OpenAPI links: what a client (and schemathesis' stateful tests) can do next with a response's values.
LINKS = {
    ("/api/v1/safeguarding/requests/", "post", "201"): {
        "ReadRequest": "/api/v1/safeguarding/requests/{reference}/:get",
        "WithdrawRequest": "/api/v1/safeguarding/requests/{reference}/withdraw/:post",
        "AddInformation": "/api/v1/safeguarding/requests/{reference}/information/:post",
    },
    ("/api/v1/safeguarding/requests/{reference}/information/", "post", "201"): {
        "ReadRequest": "/api/v1/safeguarding/requests/{reference}/:get",
        "WithdrawRequest": "/api/v1/safeguarding/requests/{reference}/withdraw/:post",
    },
}


# Request bodies whose serializers refuse unknown keys (probation.api.strict_types.RefuseUnknownFieldsMixin).
CLOSED_REQUEST_COMPONENTS = {"RequestSubmitRequest", "SubjectRequest", "RequesterRequest", "ConcernedRequest",
                             "WithdrawRequest", "AddInformationRequest"}


def close_request_bodies(result, generator, request, public):
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name in CLOSED_REQUEST_COMPONENTS:
            component["additionalProperties"] = False
    return result


def add_links(result, generator, request, public):
    paths = result.get("paths", {})
    for (path, method, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        response["links"] = {}
        for name, target in links.items():
            target_path, target_method = target.rsplit(":", 1)
            operation = paths.get(target_path, {}).get(target_method)
            if operation is None:
                continue
            response["links"][name] = {
                "operationId": operation["operationId"],
                "parameters": {"reference": "$response.body#/reference"},
            }
    return result
