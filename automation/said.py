"""What a rule run did, written once by the worker and read in each reader's language.

A run's outcome is stored when the worker acts, but the people reading the run log read
German, Turkish, Korean, Persian or Romanian. An action therefore says what it did with
`said(msgid, **params)`: the result reads as text now (the run's `summary`) and keeps the
msgid and parameters, which `said_render` translates again for whoever opens the log.
Messages without parameters need nothing more: their stored text is their msgid.
"""

from django.utils.translation import gettext, pgettext


class Said(str):
    """The message in the worker's language, remembering how to say it again."""

    msgid: str
    context: str | None
    params: dict

    def as_data(self) -> dict:
        return {"msgid": self.msgid, "context": self.context, "params": self.params}


def said(msgid: str, *, context: str | None = None, **params) -> Said:
    """`msgid` (marked with gettext_noop, or pgettext_lazy with `context`) filled with
    `params`: ints, text, or other Said messages (a word translated in turn, "call")."""
    stored = {
        key: value.as_data()
        if isinstance(value, Said)
        else value
        if isinstance(value, int)
        else str(value)
        for key, value in params.items()
    }
    translated = pgettext(context, msgid) if context else gettext(msgid)
    message = Said(translated % params if params else translated)
    message.msgid, message.context, message.params = msgid, context, stored
    return message


def said_data(message) -> dict | None:
    """The JSON to store beside a summary, or None for a message without parameters."""
    return message.as_data() if isinstance(message, Said) else None


def said_render(data: dict | None, text: str) -> str:
    """A stored message in the active language; `text` (as stored) when there is no data."""
    if not data:
        return gettext(text) if text else text
    try:
        context, params = data.get("context"), data["params"]
        translated = pgettext(context, data["msgid"]) if context else gettext(data["msgid"])
        if not params:
            return translated
        return translated % {
            key: said_render(value, "") if isinstance(value, dict) else value
            for key, value in params.items()
        }
    except (KeyError, TypeError, ValueError):
        # A catalog whose translation lost a placeholder must not break the log.
        return text
