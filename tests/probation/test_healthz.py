import json

import pytest
from django.test import override_settings

from probation.celery import app as celery_app

pytestmark = pytest.mark.django_db

MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_healthz_reports_database_broker_static_files_and_templates_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "static": "ok", "templates": "ok"}


def test_healthz_answers_503_when_the_broker_cannot_be_reached(client):
    previous = celery_app.conf.broker_url, celery_app.conf.broker_write_url
    # A real broker address where nothing listens.
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_write_url = previous
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_healthz_answers_503_when_production_static_files_were_collected_without_a_manifest(client, tmp_path):
    """What the Dockerfile used to build: files collected, no manifest, so every page is a 500."""
    (tmp_path / "vendor" / "govuk").mkdir(parents=True)
    (tmp_path / "vendor" / "govuk" / "govuk-frontend.min.css").write_text("body {}")
    with override_settings(STORAGES=MANIFEST_STORAGES, STATIC_ROOT=tmp_path):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["static"] == "error: ValueError" and body["templates"] == "error: ValueError"
    assert body["database"] == body["broker"] == "ok"


def test_healthz_answers_503_when_the_manifest_lacks_a_file_the_pages_link(client, tmp_path):
    manifest = {"version": "1.1", "hash": "0", "paths": {"css/probation.css": "css/probation.0123456789ab.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    with override_settings(STORAGES=MANIFEST_STORAGES, STATIC_ROOT=tmp_path):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["static"].startswith("error")


def test_healthz_answers_503_when_the_page_layout_cannot_render(client, settings, tmp_path):
    (tmp_path / "404.html").write_text('{% extends "base.html" %}{% block content %}{% no_such_tag %}{% endblock %}')
    templates = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    with override_settings(TEMPLATES=templates):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["templates"] == "error: TemplateSyntaxError"
    assert response.json()["static"] == "ok"
