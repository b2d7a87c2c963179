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
        language = getattr(user, "language", "") if user is not None else ""
        if user is not None and user.is_authenticated and language_supported(language):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if user is not None and user.is_authenticated and language_supported(language):
            response.headers["Content-Language"] = language
        return response
