"""A signed-in user's own language wins over the browser's."""

from django.utils import translation

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
