"""Every page and endpoint asks the one policy (crm/policies.py), or is public on purpose.

Walks every URL pattern: a browser view must carry `policy_resource` (set by
`crm.web.access.web_view`), a DRF view must list `PolicyPermission` and name its
`policy_resource`. A new view that checks roles its own way, or not at all, fails here
until it uses the policy or is added to PUBLIC with the reason it needs no sign-in.
"""

from django.urls import URLResolver, get_resolver, path

from crm import policies
from crm.api.permissions import PolicyPermission

# Views anyone may open, by dotted name, with why.
PUBLIC = {
    # Signing in and out and resetting a forgotten password come before there is a user;
    # changing one's password is Django's own login-required view.
    "crm.web.views.auth.SigninView",
    "crm.web.views.auth.signin_code",
    "django.contrib.auth.views.LogoutView",
    "crm.web.views.auth.AuditedPasswordChangeView",
    "django.contrib.auth.views.PasswordChangeDoneView",
    "crm.web.views.auth.LimitedPasswordResetView",
    "django.contrib.auth.views.PasswordResetDoneView",
    "crm.web.views.auth.TokenRevokingPasswordResetConfirmView",
    "django.contrib.auth.views.PasswordResetCompleteView",
    # The API token is exchanged for a username and password.
    "crm.api.views.auth.TokenView",
    # A mail provider's inbound route, authenticated by a shared secret.
    "crm.api.views.emails.InboundEmailView",
    # Load balancers probe it.
    "crm.api.views.health.healthz",
    # The language switch and the translation catalog work on the sign-in page too.
    "crm.web.views.profile.set_language",
    "django.views.i18n.set_language",
    "django.views.i18n.JavaScriptCatalog",
    # What recipients of marketing email open from their mailbox, by signed token.
    "automation.marketing.views.public.email_open",
    "automation.marketing.views.public.email_click",
    "automation.marketing.views.public.unsubscribe",
    "automation.marketing.views.public.nps_survey",
    # Permanent redirects from old addresses to pages that are guarded themselves.
    "automation.views.campaigns_moved",
    # The API's schema and docs describe endpoints, not data; the root lists their URLs.
    "drf_spectacular.views.SpectacularAPIView",
    "drf_spectacular.views.SpectacularSwaggerSplitView",
    "rest_framework.routers.APIRootView",
}

# Django's admin site checks `is_staff` and the model permissions itself.
SELF_GUARDED_NAMESPACES = {"admin"}


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SELF_GUARDED_NAMESPACES:
                continue
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _view_name(callback) -> str:
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return f"{view.__module__}.{view.__qualname__}"


def _guard_problem(callback) -> str | None:
    """Why this view does not ask the policy (None when it does, or is public)."""
    if _view_name(callback) in PUBLIC:
        return None
    drf_view = getattr(callback, "cls", None)
    if drf_view is not None:
        if PolicyPermission not in drf_view.permission_classes:
            return "PolicyPermission is not in permission_classes"
        resource = getattr(drf_view, "policy_resource", None)
        if isinstance(resource, property):  # named per request, from the URL
            return None
        return None if resource in policies.ACCESS else f"unknown policy_resource {resource!r}"
    resource = getattr(callback, "policy_resource", None)
    if resource is None:
        return "not wrapped in crm.web.access.web_view"
    return None if resource in policies.ACCESS else f"unknown policy resource {resource!r}"


def _unguarded(patterns) -> list[str]:
    return [
        f"{path} ({_view_name(entry.callback)}): {problem}"
        for path, entry in patterns
        if (problem := _guard_problem(entry.callback)) is not None
    ]


def test_every_view_and_endpoint_asks_the_policy():
    assert _unguarded(_patterns(get_resolver())) == []


def test_a_view_without_the_policy_is_caught():
    def bare_view(request):
        raise AssertionError("never called")

    found = _unguarded([("bare/", path("bare/", bare_view))])

    assert found == [
        "bare/ (crm.tests.test_every_view_guarded.test_a_view_without_the_policy_is_caught."
        "<locals>.bare_view): not wrapped in crm.web.access.web_view"
    ]


def test_every_public_name_is_still_routed():
    """A stale PUBLIC entry would let a new view of the same name in unasked."""
    routed = {_view_name(entry.callback) for _path, entry in _patterns(get_resolver())}
    assert PUBLIC - routed == set()
