"""Presentation helpers for the browser pages: icons, money, ages, initials."""

from decimal import Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import formats, numberformat, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext

from crm import policies
from crm.navigation import RECORD_ACTIONS

register = template.Library()

# Feather-style stroke icons (24 by 24 viewBox); decorative, so hidden from screen readers.
ICONS = {
    "home": '<path d="M3 10.5 12 3l9 7.5V21a1 1 0 0 1-1 1h-5v-7H9v7H4a1 1 0 0 1-1-1z"/>',
    "board": '<rect x="3" y="3" width="5" height="18" rx="1"/><rect x="10" y="3" width="5" height="12" rx="1"/><rect x="17" y="3" width="4" height="8" rx="1"/>',
    "deal": '<path d="M12 1v22M17 5H9.5a3.5 3.5 0 0 0 0 7h5a3.5 3.5 0 0 1 0 7H6"/>',
    "lead": '<circle cx="12" cy="12" r="9"/><circle cx="12" cy="12" r="5"/><circle cx="12" cy="12" r="1"/>',
    "contact": '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
    "company": '<rect x="4" y="3" width="16" height="18" rx="1"/><path d="M9 7h2M13 7h2M9 11h2M13 11h2M9 15h2M13 15h2"/>',
    "activity": '<rect x="3" y="4" width="18" height="17" rx="2"/><path d="M16 2v4M8 2v4M3 10h18M8 15l2 2 4-4"/>',
    "ticket": '<path d="M3 8a2 2 0 0 0 0 4v4a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-4a2 2 0 0 1 0-4V6a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2z"/><path d="M14 4v14" stroke-dasharray="2 2"/>',
    "chart": '<path d="M3 3v18h18"/><path d="M7 15l4-4 3 3 5-6"/>',
    "report": '<path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"/><path d="M14 2v6h6M8 13h8M8 17h5"/>',
    "goal": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 3"/><path d="M12 3V1"/>',
    "bolt": '<path d="M13 2 3 14h9l-1 8 10-12h-9z"/>',
    "mail": '<rect x="2" y="4" width="20" height="16" rx="2"/><path d="m2 6 10 7 10-7"/>',
    "bell": '<path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/><path d="M13.7 21a2 2 0 0 1-3.4 0"/>',
    "menu": '<path d="M3 6h18M3 12h18M3 18h18"/>',
    "x": '<path d="M18 6 6 18M6 6l12 12"/>',
    "globe": '<circle cx="12" cy="12" r="10"/><path d="M2 12h20M12 2a15 15 0 0 1 0 20M12 2a15 15 0 0 0 0 20"/>',
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "check": '<path d="M20 6 9 17l-5-5"/>',
    "phone": '<path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z"/>',
    "meeting": '<circle cx="9" cy="7" r="4"/><path d="M1 21a8 8 0 0 1 16 0M17 3a4 4 0 0 1 0 8M23 21a8 8 0 0 0-4-7"/>',
    "task": '<path d="M9 11l3 3L22 4"/><path d="M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11"/>',
    "clock": '<circle cx="12" cy="12" r="10"/><path d="M12 6v6l4 2"/>',
    "alert": '<path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0zM12 9v4M12 17h.01"/>',
    "search": '<circle cx="11" cy="11" r="8"/><path d="m21 21-4.3-4.3"/>',
    "trophy": '<path d="M8 21h8M12 17v4M7 4h10v5a5 5 0 0 1-10 0zM17 5h3v2a3 3 0 0 1-3 3M7 5H4v2a3 3 0 0 0 3 3"/>',
    "thumbs-down": '<path d="M10 15v4a3 3 0 0 0 3 3l4-9V2H5.7a2 2 0 0 0-2 1.7l-1.4 9a2 2 0 0 0 2 2.3zM17 2h3a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2h-3"/>',
    "edit": '<path d="M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z"/>',
    "trash": '<path d="M3 6h18M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6"/>',
    "inbox": '<path d="M22 12h-6l-2 3h-4l-2-3H2"/><path d="M5.5 5.1 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.5-6.9A2 2 0 0 0 16.8 4H7.2a2 2 0 0 0-1.7 1.1z"/>',
    "grip": '<circle cx="9" cy="6" r="1"/><circle cx="15" cy="6" r="1"/><circle cx="9" cy="12" r="1"/><circle cx="15" cy="12" r="1"/><circle cx="9" cy="18" r="1"/><circle cx="15" cy="18" r="1"/>',
    "upload": '<path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M17 8l-5-5-5 5M12 3v12"/>',
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
}
ICONS["note"] = (
    '<path d="M15.5 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V8.5z"/><path d="M15 3v6h6M7 13h10M7 17h6"/>'
)
ICONS["pin"] = '<path d="M12 17v5M9 3h6l-1 7 4 4H6l4-4z"/>'
ICONS["email"] = ICONS["mail"]
ICONS["call"] = ICONS["phone"]

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "TRY": "₺", "KRW": "₩", "JPY": "¥"}
# ISO 4217 minor units where they are not two: nobody writes ₩12,500.00.
CURRENCY_DECIMALS = {"JPY": 0, "KRW": 0}


# The stroke look every icon shares; on the outer <svg> so a <use> of a symbol inherits it.
_ICON_ATTRS = (
    'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
    'stroke-linejoin="round" aria-hidden="true" focusable="false"'
)


@register.simple_tag
def icon_sprite(*names: str):
    """The icons `names` once, as <symbol>s a page's repeated rows draw with `icon_ref`
    (the board's cards: a few bytes per icon instead of the whole path each time)."""
    symbols = "".join(
        f'<symbol id="icon-{name}" viewBox="0 0 24 24">{ICONS.get(name, ICONS["task"])}</symbol>'
        for name in names
    )
    # Constant markup from ICONS, never user input.
    return mark_safe(f'<svg class="icon-sprite" {_ICON_ATTRS}>{symbols}</svg>')  # noqa: S308


@register.simple_tag
def icon_ref(name: str, size: int = 18):
    """An icon drawn from the page's `icon_sprite`."""
    return format_html(
        '<svg class="icon" width="{}" height="{}" {}><use href="#icon-{}"></use></svg>',
        size,
        size,
        mark_safe(_ICON_ATTRS),  # noqa: S308 - constant attributes above
        name,
    )


@register.simple_tag
def icon(name: str, size: int = 18):
    body = ICONS.get(name, ICONS["task"])
    return format_html(
        '<svg class="icon" width="{}" height="{}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        'stroke-linejoin="round" aria-hidden="true" focusable="false">{}</svg>',
        size,
        size,
        mark_safe(body),  # noqa: S308 - constant markup from ICONS above, never user input
    )


def _grouped(amount: Decimal, decimals: int = 2) -> str:
    """`decimals` places with the active locale's separators, digits always grouped.

    Django's `fa` formats define separators but no NUMBER_GROUPING (0 means "never
    group"), so 1234567.5 would read 1234567.50; a locale without a grouping size
    gets thousands. USE_THOUSAND_SEPARATOR stays off (ids in attributes must not group).
    """
    return numberformat.format(
        amount,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=formats.get_format("NUMBER_GROUPING") or 3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
        use_l10n=True,
    )


@register.filter
def money(value, currency: str = ""):
    """Locale-grouped amount with its currency where the language puts it: "$12,500.00"
    in English and Korean, "12.500,00 $" in German, Turkish and Romanian, "12.500,00 RON"
    for a currency without a symbol; yen and won without decimals (ISO 4217)."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    formatted = _grouped(amount, CURRENCY_DECIMALS.get(currency or "", 2))
    symbol = CURRENCY_SYMBOLS.get(currency or "")
    if symbol:
        return pgettext("an amount and its currency symbol", "%(symbol)s%(amount)s") % {
            "symbol": symbol,
            "amount": formatted,
        }
    return f"{formatted} {currency}".strip()


@register.filter
def percent(value, decimals: int = 0) -> str:
    """A percentage as the active language writes it: "30 %" (German), "%30" (Turkish),
    "30%" (Korean), with `decimals` places and the locale's separators; "—" for none."""
    if value in (None, ""):
        return "—"
    try:
        formatted = floatformat(Decimal(str(value)), f"{int(decimals)}g")
    except (InvalidOperation, TypeError, ValueError):
        return "—"
    return (pgettext("a percentage", "%(value)s %%") % {"value": formatted}).replace(" ", "\u00a0")


@register.filter
def shipped(text: str) -> str:
    """A row Goalpost ships (the default rules, the Nurture campaign) in the reader's language.

    Those rows are written in English by a data migration and their texts are msgids of
    our catalogs; anything a user wrote is not, and comes back unchanged.
    """
    return gettext(text) if text else text


@register.filter
def ltr(value) -> str:
    """A number, amount or code inside a sentence, kept left to right in an RTL page
    ("در برابر $8,350.00" would otherwise show the $ after the digits)."""
    return format_html('<bdi dir="ltr">{}</bdi>', value)


@register.filter
def days_since(moment) -> int | None:
    if moment is None:
        return None
    return max((timezone.now() - moment).days, 0)


@register.filter
def initials(user) -> str:
    first = (getattr(user, "first_name", "") or "")[:1]
    last = (getattr(user, "last_name", "") or "")[:1]
    return (first + last).upper() or str(user)[:2].upper()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("web/_sort_th.html", takes_context=True)
def sort_th(context, key: str, label: str, numeric: bool = False):
    """A sortable column header: toggles ?sort=key / -key and says its state (aria-sort)."""
    request = context["request"]
    current = context.get("current_sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    state = None
    if current == key:
        state, params["sort"] = "ascending", f"-{key}"
    elif current == f"-{key}":
        state, params["sort"] = "descending", key
    else:
        params["sort"] = key
    return {"href": f"?{params.urlencode()}", "label": label, "state": state, "numeric": numeric}


@register.filter
def safe_url(url: str) -> str:
    """Only relative or http(s) links; anything else (javascript:, data:) renders as no link."""
    url = (url or "").strip()
    if url.startswith("/") and not url.startswith("//"):
        return url
    if url.lower().startswith(("http://", "https://")):
        return url
    return ""


@register.inclusion_tag("web/_record_actions.html", takes_context=True)
def record_actions(context, record_kind: str, record):
    """The buttons other apps registered for this kind of record (`crm.navigation.
    RECORD_ACTIONS`) that the user may use on `record`, in their order."""
    request = context["request"]
    buttons = [
        {"action": action, "url": reverse(action.url_name, args=[getattr(record, action.arg)])}
        for action in RECORD_ACTIONS.registered()
        if action.record == record_kind
        and (policies.can_write if action.write else policies.can_read)(
            request.user, action.resource
        )
        and action.shown(record)
    ]
    return {
        "buttons": buttons,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path(),
    }
