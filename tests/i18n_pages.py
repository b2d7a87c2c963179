"""What a person sees on a page, and the English interface text among it.

`visible_texts` reads a rendered page as a reader meets it: text nodes outside scripts and
styles, plus the attributes a browser shows or speaks (title, placeholder, aria-label,
alt, button values). `EnglishFinder` flags, for one language, the texts that are an
English msgid of our catalogs whose translation differs (a `{% translate %}` that fell
through, or a string never marked), also inside composed phrases ("3 open deals").
"""

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm"}
HIDDEN_ELEMENTS = {"script", "style", "noscript"}
# Interface words that read the same in a translation or are names, never flagged.
# The language menu names each language in itself ("English", "Deutsch").
ALLOWED = {
    "English",
    "Goalpost",
    "CSV",
    "XLSX",
    "API",
    "URL",
    "NPS",
    "CAC",
    "CLV",
    "KPI",
    "SLA",
    "OK",
}
ALLOWED_WORDS = {"goalpost", "excel", "xlsx"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
        attrs = dict(attrs)
        for name in SHOWN_ATTRIBUTES & attrs.keys():
            self._add(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"}:
            self._add(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag in HIDDEN_ELEMENTS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self._add(data)

    def _add(self, text):
        text = " ".join((text or "").split())
        if text:
            self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


@cache
def _catalog(language: str, domain: str = "django") -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))


class EnglishFinder:
    """The English msgids left visible on a page rendered in `language`."""

    def __init__(self, language: str):
        exact, patterns = set(), []
        for entry in _catalog(language):
            for english, translated in _pairs(entry):
                if not english.strip() or english == translated or english in ALLOWED:
                    continue
                if PLACEHOLDER.search(english):
                    literal = PLACEHOLDER.sub("", english)
                    # "%(n)s open deals" is worth a pattern; "%(a)s, %(b)s" is not.
                    if len(re.findall(r"[A-Za-z]{3,}", literal)) >= 2:
                        patterns.append(_pattern(english))
                elif re.search(r"[A-Za-z]{2,}", english):
                    exact.add(" ".join(english.split()))
        self.exact = exact
        self.patterns = patterns
        # A translation may coincide with another English msgid (ro "Note" for "Notes").
        self.translations = {
            " ".join(translated.split())
            for entry in _catalog(language)
            for _e, translated in _pairs(entry)
        }

    def english_in(self, html: str) -> list[str]:
        found = []
        for text in visible_texts(html):
            if text in self.translations:
                continue
            if text in self.exact or any(p.fullmatch(text) for p in self.patterns):
                found.append(text)
        return found


def _pairs(entry: polib.POEntry):
    if entry.msgid_plural:
        forms = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
        return [(entry.msgid, forms[0]), (entry.msgid_plural, forms[-1])]
    return [(entry.msgid, entry.msgstr)]


def _pattern(english: str) -> re.Pattern:
    parts = PLACEHOLDER.split(" ".join(english.split()))
    return re.compile(r".+?".join(re.escape(part) for part in parts))


@cache
def english_words(language: str) -> frozenset[str]:
    """Words of our English interface (4 letters or more, from every msgid) that the
    `language` catalog does not use itself (German keeps "Pipeline", "Lead", "Dashboard")."""

    def words(text: str) -> set[str]:
        return {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}

    english, kept = set(), set(ALLOWED_WORDS)
    for entry in _catalog(language):
        english |= words(entry.msgid)
        for _english, translated in _pairs(entry):
            kept |= words(translated)
    return frozenset(english - kept)


def _people_names() -> set[str]:
    """The full names of the database's users and contacts, as pages show them."""
    from crm.models import Contact, User

    users = (user.get_full_name() for user in User.objects.only("first_name", "last_name"))
    contacts = (str(contact) for contact in Contact.objects.only("first_name", "last_name"))
    return {" ".join(name.split()) for name in (*users, *contacts)}


def english_sentences(html: str, *, language: str) -> list[str]:
    """Texts of two or more words that are all English interface words: unmarked strings.

    Addresses, links, template source (a campaign step's body) and people's names are data,
    not interface: Faker names a user "Mark Price", two of our interface words.
    """
    vocabulary = english_words(language)
    names = _people_names()
    found = []
    for text in visible_texts(html):
        if any(mark in text for mark in ("@", "://", "{{", "{%")) or text in names:
            continue
        words = re.findall(r"[^\W\d_]+", text)
        english = all(w.lower() in vocabulary or len(w) < 4 for w in words)
        if english and sum(len(w) >= 4 for w in words) >= 2:
            found.append(text)
    return found
