"""Which character set a CSV file was saved in, and whether it reads cleanly in one.

Excel saves "CSV" in the Windows code page of the office that made it: Windows-1254 in
Turkey, 1250 in Romania, 1252 in Germany, CP949 (a superset of EUC-KR) in Korea, 1256 in
Iran. The same bytes decode without error in most single-byte code pages, so "it decodes"
decides nothing: a Turkish "Ş" is a Western "Þ" and a Romanian "Ţ". charset-normalizer
proposes candidates; each candidate's text is then scored by how well one language's
alphabet explains its non-ASCII letters ("Şükrü" is all Turkish, "Þükrü Yýlmaz" belongs
to no language). Ties go to the office code pages, in the order below.
"""

import codecs
import re
import unicodedata
from dataclasses import dataclass

import charset_normalizer
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# (codec name, label) in the order a tie is settled; the control in the preview offers these.
ENCODING_CHOICES = (
    ("utf-8", gettext_lazy("Unicode (UTF-8)")),
    ("cp1252", gettext_lazy("Western European (Windows-1252)")),
    ("cp1254", gettext_lazy("Turkish (Windows-1254)")),
    ("cp1250", gettext_lazy("Central European and Romanian (Windows-1250)")),
    ("cp1256", gettext_lazy("Arabic and Persian (Windows-1256)")),
    ("cp949", gettext_lazy("Korean (CP949 / EUC-KR)")),
    ("utf-16", gettext_lazy("Unicode (UTF-16)")),
    ("iso8859-9", gettext_lazy("Turkish (ISO-8859-9)")),
    ("iso8859-16", gettext_lazy("Romanian (ISO-8859-16)")),
    ("cp1251", gettext_lazy("Cyrillic (Windows-1251)")),
    ("latin-1", gettext_lazy("Western European (ISO-8859-1)")),
)
OFFICE_ENCODINGS = ("cp1252", "cp1254", "cp1250", "cp1256", "cp949")
SCORED_WORDS = 5000
SAMPLE_BYTES = 256 * 1024

_ALPHABETS = {
    "tr": set("çğıöşüâîûÇĞİÖŞÜÂÎÛ"),
    "ro": set("ăâîșțşţĂÂÎȘȚŞŢ"),
    "de": set("äöüßÄÖÜẞ"),
    "western": set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœšžÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŸŒŠŽ"),
    "central": set("áäčďéěíĺľňóôöőŕřšťúůüűýžąćęłńśźżÁÄČĎÉĚÍĹĽŇÓÔÖŐŔŘŠŤÚŮÜŰÝŽĄĆĘŁŃŚŹŻ"),
}
_SCRIPTS = {
    "arabic": re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]"),
    "korean": re.compile(r"[\uac00-\ud7a3\u3130-\u318f]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
}
_WORD_WITH_NON_ASCII = re.compile(r"\S*[^\x00-\x7f]\S*")
# C0 controls but tab and line breaks, C1 controls, and the replacement character.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


@dataclass(frozen=True)
class Decoded:
    encoding: str
    text: str


def codec_name(encoding: str) -> str:
    """The canonical Python name ("CP1254", "windows-1254" → "cp1254"); "" if unknown."""
    try:
        info = codecs.lookup(encoding)
    except (LookupError, TypeError, ValueError):
        return ""
    if not getattr(info, "_is_text_encoding", True):
        return ""  # "hex", "rot13", "zlib": codecs, but no character sets
    name = info.name
    return {"iso8859-1": "latin-1", "euc_kr": "cp949", "utf-8-sig": "utf-8"}.get(name, name)


def encoding_label(encoding: str) -> str:
    return str(dict(ENCODING_CHOICES).get(encoding, encoding))


def decode_strict(raw: bytes, encoding: str) -> str:
    """The text in `encoding`, or a ValidationError saying where it stops making sense."""
    name = codec_name(encoding)
    if not name:
        raise ValidationError(
            _("“%(encoding)s” is not a character set we know.") % {"encoding": encoding},
            code="encoding",
        )
    if name == "utf-8" and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode(name)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationError(
            _(
                "The file does not read cleanly as %(encoding)s: byte 0x%(byte)02X on line "
                "%(line)s is not a character in it. Choose another character set."
            )
            % {"encoding": encoding_label(name), "byte": raw[exc.start], "line": line},
            code="encoding",
        ) from None
    if name == "utf-16":
        text = text.lstrip("\ufeff")
    bad = _NOT_TEXT.search(text)
    if bad:
        line = text[: bad.start()].count("\n") + 1
        raise ValidationError(
            _(
                "The file does not read cleanly as %(encoding)s: line %(line)s holds a control "
                "character (U+%(code)04X) no spreadsheet writes. Choose another character set."
            )
            % {"encoding": encoding_label(name), "line": line, "code": ord(bad.group())},
            code="encoding",
        )
    return text


def _language_score(text: str) -> int:
    """How well one alphabet explains the non-ASCII letters: +1 each it has, -1 each not.

    Symbols that are no letter ("ª", "¾") cost 2: they are what a wrong code page shows.
    A Latin word made only of non-ASCII letters ("Çíãíá") is Arabic or Korean read wrong.
    """
    unique: dict[str, None] = {}
    for match in _WORD_WITH_NON_ASCII.finditer(text):
        unique[match.group()] = None
        if len(unique) >= SCORED_WORDS:
            break  # enough to tell the languages apart, however large the file
    words = list(unique)
    chars = [ch for word in words for ch in word if ord(ch) > 127]
    if not chars:
        return 0
    symbols = sum(1 for ch in chars if not unicodedata.category(ch).startswith(("L", "M")))
    best = max(sum(1 if pattern.match(ch) else -1 for ch in chars) for pattern in _SCRIPTS.values())
    foreign = sum(
        1
        for word in words
        if len(letters := [ch for ch in word if ch.isalpha()]) >= 3
        and all(ord(ch) > 127 for ch in letters)
        and not any(p.match(ch) for p in _SCRIPTS.values() for ch in letters)
    )
    for alphabet in _ALPHABETS.values():
        score = sum(1 if ch in alphabet else -1 for ch in chars) - 2 * foreign
        best = max(best, score)
    return best - 2 * symbols


def detect_encoding(raw: bytes) -> Decoded:
    """The most likely character set of a CSV file and its text.

    A byte order mark or valid UTF-8 settles it; otherwise the candidates (the office code
    pages and charset-normalizer's guesses) that decode cleanly are scored (module doc).
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded("utf-16", decode_strict(raw, "utf-16"))
    try:
        return Decoded("utf-8", decode_strict(raw, "utf-8"))
    except ValidationError:
        pass
    candidates = list(OFFICE_ENCODINGS)
    for match in charset_normalizer.from_bytes(raw):
        name = codec_name(match.encoding)
        if name and name not in candidates:
            candidates.append(name)
    # Score a sample (the distinct lines with non-ASCII bytes) and decode the whole file
    # only for the best candidates: a 50 MB file in 15 candidates would take seconds.
    sample = _non_ascii_lines(raw)
    ranked = []
    for order, name in enumerate(candidates):
        try:
            text = decode_strict(sample, name)
        except ValidationError:
            continue
        ranked.append((-_language_score(text), order, name))
    for _score, _order, name in sorted(ranked):
        try:
            return Decoded(name, decode_strict(raw, name))
        except ValidationError:
            continue
    raise ValidationError(
        _("The file's characters are not readable in any character set we know."),
        code="encoding",
    )


def _non_ascii_lines(raw: bytes, limit: int = SAMPLE_BYTES) -> bytes:
    lines: dict[bytes, None] = {}
    size = 0
    for line in raw.split(b"\n"):
        if line in lines or line.isascii():
            continue
        lines[line] = None
        size += len(line) + 1
        if size >= limit:
            break
    return b"\n".join(lines)
