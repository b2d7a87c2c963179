"""Django's JavaScript catalog: the strings of static/js in the visitor's language."""

from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag
from django.views.i18n import JavaScriptCatalog

# Our djangojs catalogs live in LOCALE_PATHS, which Django always reads. Naming one of our
# own apps (which ships no catalog of its own) keeps the admin's djangojs catalogs, strings
# for widgets we never load, out of the catalog every page downloads.
CATALOG_PACKAGES = ["crm"]


def catalog_etag(request, *args, **kwargs) -> str:
    """The language and the compiled catalogs' mtime and size.

    An ETag rather than Last-Modified: the URL is the same for every language, and a
    Turkish catalog compiled before the German one would pass an If-Modified-Since check
    and leave a visitor who just switched to Turkish with the German strings. With the
    language in the tag, a switch is a miss and a recompiled catalog is a miss too.
    """
    language = get_language()
    stamps = []
    for directory in settings.LOCALE_PATHS:
        mo = Path(directory) / to_locale(language) / "LC_MESSAGES" / "djangojs.mo"
        try:
            stat = mo.stat()
        except FileNotFoundError:
            continue
        stamps.append(f"{stat.st_mtime_ns:x}.{stat.st_size:x}")
    return "-".join([language, *stamps])


# no-cache: browsers keep the catalog but ask each time; the answer is a 304 of a few bytes
# unless the language or the catalog changed.
javascript_catalog = cache_control(no_cache=True)(
    etag(catalog_etag)(JavaScriptCatalog.as_view(packages=CATALOG_PACKAGES))
)
