"""Strings of static/js reach the browser through Django's JavaScript catalog (/jsi18n/)."""

import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
LANGUAGES = ["de", "tr", "ko", "fa", "ro"]
OUR_SCRIPTS = sorted(
    path for path in (ROOT / "static" / "js").rglob("*.js") if "vendor" not in path.parts
)

# The board's refusal message, as each language's product writer put it.
REFUSAL = {
    "de": "Das Verschieben wurde abgelehnt.",
    "tr": "Taşıma reddedildi.",
    "ko": "이동이 거부되었습니다.",
    "fa": "جابه‌جایی رد شد.",
    "ro": "Mutarea a fost refuzată.",
}
DEAL_COUNT = {
    "de": ["%(counter)s Deal", "%(counter)s Deals"],
    "tr": ["%(counter)s fırsat", "%(counter)s fırsat"],
    "ko": ["거래 %(counter)s건"],
    "fa": ["%(counter)s معامله", "%(counter)s معامله"],
    "ro": ["%(counter)s oportunitate", "%(counter)s oportunități", "%(counter)s de oportunități"],
}
PLURAL_RULE = {
    "de": "(n != 1)",
    "tr": "(n > 1)",
    "ko": "0",
    "fa": "(n > 1)",
    "ro": "(n==1?0:(((n%100>19)||((n%100==0)&&(n!=0)))?2:1))",
}

STRING = r'"((?:[^"\\]|\\.)*)"'
GETTEXT_CALL = re.compile(r"(?<![\w.$])(n?gettext)\(")
LITERAL_CALL = re.compile(
    r"(?<![\w.$])(?:gettext\(\s*" + STRING + r"\s*\)|ngettext\(\s*" + STRING + r"\s*,\s*"
    r"" + STRING + r"\s*,)"
)


def _catalog_of(response) -> dict:
    """The `newcatalog` object the catalog script hands to django.gettext."""
    source = response.content.decode()
    match = re.search(r"const newcatalog = (\{.*?\});\n", source, re.S)
    return json.loads(match.group(1)) if match else {}


def _plural_rule_of(response) -> str:
    match = re.search(r"const v = (.*);\n", response.content.decode())
    return match.group(1) if match else ""


def _js_msgids() -> list[tuple[str, str, str | None]]:
    """(file, msgid, msgid_plural) of every gettext/ngettext literal in our scripts."""
    found = []
    for path in OUR_SCRIPTS:
        text = path.read_text(encoding="utf-8")
        calls = GETTEXT_CALL.findall(text)
        literals = LITERAL_CALL.findall(text)
        # A call whose argument is not a string literal is invisible to makemessages.
        assert len(literals) == len(calls), path
        for single, singular, plural in literals:
            msgid = json.loads(f'"{single or singular}"')
            found.append((path.name, msgid, json.loads(f'"{plural}"') if plural else None))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_speaks_the_language_of_the_accept_language_header(client, language):
    response = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Content-Language"] == language
    catalog = _catalog_of(response)
    assert catalog["The move was refused."] == REFUSAL[language]
    assert catalog["%(counter)s deal"] == DEAL_COUNT[language]
    assert _plural_rule_of(response) == PLURAL_RULE[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_follows_the_language_cookie(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en")

    assert _catalog_of(response)["The move was refused."] == REFUSAL[language]


def test_english_has_no_catalog_so_gettext_returns_the_source(client):
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert _catalog_of(response) == {}
    # django.gettext answers the msgid itself when the catalog has no entry.
    assert "return msgid;" in response.content.decode()


def test_only_our_strings_ship_not_the_admin_widgets(client):
    catalog = _catalog_of(client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="de"))

    msgids = {msgid for _file, msgid, _plural in _js_msgids()}
    assert set(catalog) == msgids
    assert "Choose all" not in catalog  # django.contrib.admin's djangojs


def test_a_browser_revalidates_and_a_language_switch_is_a_miss(client):
    german = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="de")
    etag = german["ETag"]

    again = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="de", HTTP_IF_NONE_MATCH=etag)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "tr"
    turkish = client.get("/jsi18n/", HTTP_IF_NONE_MATCH=etag)

    assert "no-cache" in german["Cache-Control"]
    assert etag.startswith('"de-')
    assert again.status_code == 304
    assert turkish.status_code == 200
    assert turkish["ETag"].startswith('"tr-')
    assert _catalog_of(turkish)["The move was refused."] == REFUSAL["tr"]


def test_scripts_call_gettext_on_their_strings():
    msgids = {msgid for _file, msgid, _plural in _js_msgids()}

    assert {
        "The move was refused.",
        "Dismiss",
        "%(series)s: %(value)s",
        "%(counter)s deal",
    } <= msgids
    for path in OUR_SCRIPTS:
        assert "goalpost-i18n" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_script_string_is_translated_in_the_djangojs_catalog(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "djangojs.po"))
    entries = {e.msgid: e for e in po if not e.obsolete}
    nplurals = {"ko": 1, "ro": 3}.get(language, 2)

    assert po.metadata["Language"] == language
    assert po.metadata["Plural-Forms"] == f"nplurals={nplurals}; plural={PLURAL_RULE[language]};"
    assert po.fuzzy_entries() == []
    for file, msgid, plural in _js_msgids():
        entry = entries.get(msgid)
        assert entry is not None, (file, msgid)
        assert entry.msgid_plural == (plural or "")
        assert entry.translated(), (file, msgid)
        if plural:
            assert len(entry.msgstr_plural) == nplurals
            assert all(form.strip() for form in entry.msgstr_plural.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_djangojs_catalog_matches_its_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    po = polib.pofile(str(folder / "djangojs.po"))
    mo = polib.mofile(str(folder / "djangojs.mo"))

    def pairs(entries):
        return {(e.msgid, e.msgstr or tuple(sorted(e.msgstr_plural.items()))) for e in entries}

    assert pairs(mo) == pairs(po.translated_entries())


def test_every_page_loads_the_catalog_before_the_scripts_that_use_it(client):
    html = client.get(reverse("login")).content.decode()

    catalog = html.index('<script src="/jsi18n/" defer></script>')
    assert catalog < html.index("js/app.js")
    assert "goalpost-i18n" not in html
