"""Request parsers: JSON whose nesting a client cannot use to crash a request."""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from crm import limits

# No resource of this API nests deeper than a rule's conditions inside an action's
# params; anything far deeper is an attack or a broken client.
MAX_JSON_DEPTH = limits.MAX_JSON_DEPTH


def json_depth(value) -> int:
    """Nesting depth of parsed JSON (a scalar is 0, `[]` and `{}` are 1), iteratively."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in node)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering 400 to JSON nested deeper than MAX_JSON_DEPTH (the
    decoder's own recursion limit would otherwise surface as a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(
            _("JSON nested deeper than %(depth)s levels.") % {"depth": MAX_JSON_DEPTH}
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        return data
