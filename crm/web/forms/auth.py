from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request else ""


class LoginForm(AuthenticationForm):
    """Django's login form with password-manager hints and throttled failures.

    Failures are counted per (client address, username) in the shared cache, the same
    store DRF's token throttle uses, so guessing is slow through either door.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-in attempts. Wait %(minutes)s minutes and try again."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def _failures_key(self) -> str:
        username = (self.data.get("username") or "").strip().lower()
        return f"login-failures:{_client_ip(self.request)}:{username}"

    def clean(self):
        key = self._failures_key()
        window = settings.LOGIN_FAILURE_WINDOW_SECONDS
        if cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT:
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": window // 60},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            cache.add(key, 0, timeout=window)
            cache.incr(key)
            raise
        cache.delete(key)
        return cleaned
