from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.models import AuditKind
from crm.security.client_address import client_address
from crm.security.signin import known_device_for, signin_check, signin_failed, signin_succeeded
from crm.services.audit import audit_record


class LoginForm(AuthenticationForm):
    """Django's login form with password-manager hints and the sign-in limits.

    Failures count per (client address, username), per address and per username in the
    shared cache, the same limits the API token endpoint applies (crm/security/signin.py),
    so guessing is slow through either door and a header cannot reset it.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-in attempts. Wait %(minutes)s minutes and try again."),
        "slowed": _(
            "Too many failed sign-in attempts for this account. Wait %(seconds)s seconds "
            "and try again."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def clean(self):
        username = (self.data.get("username") or "").strip()
        address = client_address(self.request)
        verdict = signin_check(
            address=address,
            username=username,
            known_device=known_device_for(self.request, username),
        )
        if not verdict.allowed:
            audit_record(
                kind=AuditKind.SIGNIN_REFUSED,
                request=self.request,
                username=username,
                details={"reason": verdict.reason},
            )
            if verdict.reason == "username":
                raise ValidationError(
                    self.error_messages["slowed"],
                    code="throttled",
                    params={"seconds": verdict.wait_seconds},
                )
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, verdict.wait_seconds // 60)},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                signin_failed(address=address, username=username)
                audit_record(kind=AuditKind.SIGNIN_FAILED, request=self.request, username=username)
            raise
        signin_succeeded(address=address, username=username)
        return cleaned
