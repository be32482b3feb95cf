"""Every form of every page the authorization matrix knows, sent empty by every role that may see it: no error says
"This field is required." without naming its field ("Enter the subject's last name"). A new form is walked as soon
as its page joins the matrix."""

import re

import pytest
from django.urls import reverse

from tests.security.test_accessibility import NOT_PAGES, staff_pages
from tests.security.test_authorization_matrix import _client_for, world  # noqa: F401 (world is a fixture)

pytestmark = pytest.mark.django_db

BARE = ["This field is required.", "Select a valid choice.", "Enter a valid date."]
FORM = re.compile(r"<form\b([^>]*)>", re.I)
# Forms that sign out or only mark something read carry no fields to name.
NO_FIELDS = ("/sign-out/", "/read/", "/read-all/", "/keep-alive/")


def post_forms(html: str, page_url: str):
    for attributes in FORM.findall(html):
        if not re.search(r'method="post"', attributes, re.I):
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        target = action.group(1) if action and action.group(1) else page_url
        if not target.endswith(NO_FIELDS):
            yield target


def test_every_form_sent_empty_names_the_fields_it_needs(world):
    clients, bare, walked = {}, [], 0
    for name, persona in staff_pages():
        if name in NOT_PAGES:
            continue
        client = clients.setdefault(persona, _client_for(persona, world["users"][persona]))
        url = reverse(name, kwargs=world["kwargs"].get(name))
        page = client.get(url)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        for target in set(post_forms(page.content.decode(), url)):
            response = client.post(target, {}, follow=True)
            walked += 1
            text = response.content.decode()
            bare += [f"{persona} {target}: {message}" for message in BARE if message in text]
    assert walked > 30
    assert not bare, "\n".join(bare)
