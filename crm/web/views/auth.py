"""Sign-in (with the optional two-factor step), password reset and change.

Django's auth views with our limits: the client address comes from
`crm.security.client_address`, failures are counted by `crm.security.signin`, and every
sign-in, refusal and password change is written to the audit log.
"""

import base64
import hashlib
import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from crm.models import AuditKind
from crm.security.client_address import client_address
from crm.security.signin import (
    KNOWN_DEVICE_COOKIE,
    KNOWN_DEVICE_MAX_AGE,
    known_device_token,
    signin_check,
    signin_failed,
    signin_succeeded,
)
from crm.security.two_factor import (
    two_factor_device,
    two_factor_pending_device,
    two_factor_qr_svg,
    two_factor_verify,
)
from crm.services.audit import audit_record
from crm.web.access import web_view
from crm.web.forms.auth import LoginForm
from crm.web.forms.profile import LocalisedPasswordResetForm

# Session key holding the user who gave the right password and owes a code, with when.
PENDING_KEY = "goalpost_signin_pending"
PENDING_MAX_AGE = 300  # seconds to type the code


def _finish_signin(request, user, response):
    """Log `user` in (Django cycles the session key), audit it, remember the browser."""
    auth_login(request, user)
    audit_record(kind=AuditKind.SIGNIN_SUCCEEDED, actor=user, request=request)
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        known_device_token(user.get_username()),
        max_age=KNOWN_DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


class SigninView(auth_views.LoginView):
    """Password sign-in; users with a confirmed TOTP device continue to the code step."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        device = two_factor_device(user)
        if device is not None:
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_success_url(),
            }
            return redirect("login_code")
        return _finish_signin(self.request, user, HttpResponseRedirect(self.get_success_url()))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


@require_http_methods(["GET", "POST"])
def signin_code(request):
    """Second step for enrolled users: a current TOTP code completes the sign-in."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    device = two_factor_device(user) if user is not None else None
    if device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        verdict = signin_check(address=address, username=user.get_username())
        if not verdict.allowed:
            form.add_error(None, _("Too many failed sign-in attempts. Try again later."))
        elif two_factor_verify(device, form.cleaned_data["code"]):
            signin_succeeded(address=address, username=user.get_username())
            request.session.pop(PENDING_KEY, None)
            user.backend = pending["backend"]
            target = pending.get("next") or settings.LOGIN_REDIRECT_URL
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = settings.LOGIN_REDIRECT_URL
            return _finish_signin(request, user, HttpResponseRedirect(target))
        else:
            signin_failed(address=address, username=user.get_username())
            audit_record(
                kind=AuditKind.SIGNIN_FAILED,
                request=request,
                username=user.get_username(),
                summary="two-factor code",
            )
            form.add_error("code", _("This code is not valid. Enter the current code."))
    return render(
        request, "registration/login_code.html", {"form": form}, status=422 if form.errors else 200
    )


def _within_limit(key: str, limit: int, window: int) -> bool:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key) <= limit
    except ValueError:
        cache.set(key, 1, timeout=window)
        return True


class LimitedPasswordResetView(auth_views.PasswordResetView):
    """Django's reset page; past the per-address or per-email limit it sends nothing but
    answers exactly as when it sends, so the page never tells whether an account exists
    or whether a mail went out."""

    form_class = LocalisedPasswordResetForm

    def form_valid(self, form):
        window = settings.PASSWORD_RESET_WINDOW_SECONDS
        address = client_address(self.request) or "-"
        email = hashlib.sha256(form.cleaned_data["email"].strip().lower().encode()).hexdigest()
        address_ok = _within_limit(
            f"password-reset:address:{address}", settings.PASSWORD_RESET_ADDRESS_LIMIT, window
        )
        email_ok = address_ok and _within_limit(
            f"password-reset:email:{email}", settings.PASSWORD_RESET_EMAIL_LIMIT, window
        )
        if not (address_ok and email_ok):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


def _revoke_api_tokens(user) -> None:
    """A new password ends the user's API token too, as it ends their other sessions:
    whoever held the old password (and so could fetch a token) is out."""
    Token.objects.filter(user=user).delete()


class AuditedPasswordChangeView(auth_views.PasswordChangeView):
    """Django's change page. The new password changes the session auth hash, so every
    other session of the user is signed out on its next request; this one is kept and
    its key rotated (Django's update_session_auth_hash). Their API token is revoked."""

    def form_valid(self, form):
        response = super().form_valid(form)
        _revoke_api_tokens(self.request.user)
        audit_record(kind=AuditKind.PASSWORD_CHANGED, actor=self.request.user, request=self.request)
        return response


class TokenRevokingPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's "set a new password" page from a reset mail; the API token goes too."""

    def form_valid(self, form):
        response = super().form_valid(form)
        _revoke_api_tokens(form.user)
        return response


@web_view("two_factor")
@require_http_methods(["GET", "POST"])
def two_factor_settings(request):
    """Enrol in (or remove) TOTP two-factor sign-in. Admins and managers only."""
    device = two_factor_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if device is not None and request.POST.get("action") == "remove":
            if two_factor_verify(device, code):
                device.delete()
                audit_record(kind=AuditKind.TWO_FACTOR_REMOVED, actor=request.user, request=request)
                messages.success(request, _("Two-factor sign-in is off."))
                return redirect("web:two_factor")
            form.add_error("code", _("This code is not valid. Enter the current code."))
        elif device is None:
            pending = two_factor_pending_device(request.user)
            if two_factor_verify(pending, code):
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                audit_record(
                    kind=AuditKind.TWO_FACTOR_ENROLLED, actor=request.user, request=request
                )
                messages.success(
                    request, _("Two-factor sign-in is on: you will be asked for a code.")
                )
                return redirect("web:two_factor")
            form.add_error("code", _("This code is not valid. Enter the current code."))
    context = {"form": form, "device": device}
    if device is None:
        pending = two_factor_pending_device(request.user)
        context["qr_svg"] = two_factor_qr_svg(pending)
        context["secret"] = _base32(pending.bin_key)
    return render(
        request,
        "settings/two_factor.html",
        context,
        status=422 if form.errors else 200,
    )


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")
