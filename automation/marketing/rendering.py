"""Personalised email bodies from marketing's templates, rendered in a sandbox.

Templates use Django's language but a separate engine with no loaders and no libraries,
only whitelisted tags, and a context of plain values (strings, numbers, lists of dicts):
a template can show the contact's name and past purchases, never reach the ORM, other
templates or settings.
"""

import re

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

ALLOWED_TAGS = frozenset(
    {
        "if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith",
        "firstof", "now", "comment", "endcomment", "spaceless", "endspaceless", "filter",
        "endfilter", "cycle", "ifchanged", "endifchanged",
    }
)  # fmt: skip
FORBIDDEN_FILTERS = frozenset(
    {"safe", "safeseq", "escapejs", "json_script", "pprint", "force_escape"}
)
FILTER_RE = re.compile(r"\|\s*([a-zA-Z_]+)")
URL_RE = re.compile(r"https?://[^\s<>\"')\]]+")

_ENGINE = Engine(loaders=[], libraries={}, debug=False, string_if_invalid="", autoescape=False)
_HTML_ENGINE = Engine(loaders=[], libraries={}, debug=False, string_if_invalid="", autoescape=True)


def check_template(source: str, *, field: str = "body") -> None:
    """Refuse tags and filters outside the sandbox, and syntax errors, with a clear message."""
    try:
        tokens = Lexer(source).tokenize()
    except TemplateSyntaxError as exc:
        raise ValidationError({field: str(exc)}) from None
    for token in tokens:
        if token.token_type == TokenType.BLOCK:
            name = token.split_contents()[0] if token.contents.strip() else ""
            if name not in ALLOWED_TAGS:
                raise ValidationError({field: _("The tag “%s” is not allowed in emails.") % name})
        if token.token_type in (TokenType.VAR, TokenType.BLOCK):
            for name in FILTER_RE.findall(token.contents):
                if name in FORBIDDEN_FILTERS:
                    raise ValidationError(
                        {field: _("The filter “%s” is not allowed in emails.") % name}
                    )
    try:
        _ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError({field: str(exc)}) from None


def render_text(source: str, context: dict) -> str:
    return _ENGINE.from_string(source).render(Context(context, autoescape=False))


def render_html(source: str, context: dict) -> str:
    """The same template with every value escaped, as HTML paragraphs."""
    html = _HTML_ENGINE.from_string(source).render(Context(context, autoescape=True))
    return linebreaks(html, autoescape=False)


def links_in(text: str) -> list[str]:
    """The distinct URLs in a rendered email, in order."""
    return list(dict.fromkeys(URL_RE.findall(text)))


def link_tracked_html(html: str, links: list[str], tracked_url) -> str:
    """Turn each URL of the email into a link through `tracked_url(index)`."""
    index = {url: i for i, url in enumerate(links)}

    def anchor(match):
        url = match.group(0)
        # The HTML copy escapes & as &amp;; the recorded link is the unescaped text.
        plain = url.replace("&amp;", "&")
        if plain not in index:
            return url
        return f'<a href="{escape(tracked_url(index[plain]))}">{url}</a>'

    return URL_RE.sub(anchor, html)
