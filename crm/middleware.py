"""A signed-in user's own language wins over the browser's; oversized bodies get a 413."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

from crm import limits
from crm.languages import language_supported


class UserLanguageMiddleware:
    """Activate `User.language` when the user has set one.

    Sits after AuthenticationMiddleware (it needs `request.user`) and after LocaleMiddleware,
    which has already picked the cookie's or Accept-Language's language: that choice stays
    for anonymous visitors and for users who follow their browser (a blank language).
    LocaleMiddleware's response step then announces the active language in
    Content-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        own = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language_supported(own):
            translation.activate(own)
            request.LANGUAGE_CODE = own
        response = self.get_response(request)
        if language_supported(own):
            response.headers["Content-Language"] = own
        return response


class RequestBodyLimitMiddleware:
    """Answer 413 to a request body over the limits in `crm.limits`, before anything reads it.

    Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE only when it is read, and then
    as a bare 400 ("suspicious operation"); a client that sent too much should learn so.
    Multipart bodies (file uploads: imports) may be as large as MAX_UPLOAD_REQUEST_BYTES,
    every other body MAX_REQUEST_BODY_BYTES. The declared Content-Length decides: without
    one, Django's WSGI request reads no body at all. API paths get `{"detail": …}` JSON,
    pages the site's error page. Sits after authentication so that page has its user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request)
        if length > limit:
            return request_too_large(request, limit=limit)
        return self.get_response(request)

    def process_exception(self, request, exception):
        # Form fields (not files) of a multipart body beyond the in-memory limit.
        if isinstance(exception, RequestDataTooBig):
            return request_too_large(request, limit=limits.MAX_REQUEST_BODY_BYTES)
        return None


def body_limit(request) -> int:
    """The largest body in bytes this request may carry (multipart uploads: larger)."""
    if request.content_type == "multipart/form-data":
        return limits.MAX_UPLOAD_REQUEST_BYTES
    return limits.MAX_REQUEST_BODY_BYTES


def request_too_large(request, *, limit: int) -> HttpResponse:
    """A 413 naming `limit` (bytes): JSON under /api/, the HTML error page elsewhere."""
    message = _("The request is larger than %(size)s.") % {"size": filesizeformat(limit)}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return render(request, "413.html", {"message": message}, status=413)
