"""The committed catalogs translate the interface into each of our users' languages."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from crm.context_processors import NAVIGATION

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["de", "tr", "ko", "fa", "ro"]


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_menu_item_is_translated(language):
    translated = {e.msgid: e.msgstr for e in _catalog(language).translated_entries()}
    with translation.override("en"):
        english = [str(item.label) for item in NAVIGATION]
    with translation.override(language):
        shown = [str(item.label) for item in NAVIGATION]

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
