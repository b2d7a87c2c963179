"""Token authentication that also speaks the user's language.

A token-authenticated call is only known to be this user inside DRF, after the middleware
ran; activating `User.language` here gives its error messages and labels the language a
browser session of the same user gets (crm.middleware.UserLanguageMiddleware).
"""

from django.utils import translation
from rest_framework.authentication import TokenAuthentication

from crm.languages import language_supported


class LanguageTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if language_supported(user.language):
            translation.activate(user.language)
        return user, token
