"""The committed catalogs translate the interface into each of our users' languages."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from crm.models import Role
from crm.navigation import nav_registered

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["de", "tr", "ko", "fa", "ro"]


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_menu_item_is_translated(language):
    translated = {e.msgid: e.msgstr for e in _catalog(language).translated_entries()}
    with translation.override("en"):
        english = [str(item.label) for item in nav_registered()]
    with translation.override(language):
        shown = [str(item.label) for item in nav_registered()]

    # A translation may keep a loanword ("Pipeline", "Dashboard" in German); it must exist.
    assert [label for label in english if not translated.get(label)] == []
    assert shown == [translated[label] for label in english]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_is_committed_compiled_and_has_no_fuzzy_entries(language):
    po = _catalog(language)
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"

    assert mo.exists()
    assert po.fuzzy_entries() == []
    assert po.metadata["Language"] == language
    assert po.percent_translated() >= 90


@pytest.mark.parametrize("language", LANGUAGES)
def test_my_day_renders_in_each_language(client, rep, language):
    client.force_login(rep)

    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    translated = {e.msgid: e.msgstr for e in _catalog(language).translated_entries()}
    assert translated["My day"] in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_menu_page_renders_in_each_language(client, make_user, language):
    admin = make_user(Role.ADMIN, username="root")
    client.force_login(admin)
    for item in nav_registered():
        response = client.get(reverse(item.url_name), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (item.url_name, language)
