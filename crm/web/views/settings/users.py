"""Settings → users and roles: list, invite, change role/team, deactivate (admins only)."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.models import User
from crm.services.users import user_deactivate, user_invite, user_open_records, user_update
from crm.web.access import access_row, web_view
from crm.web.forms.settings import DeactivateForm, InviteForm, UserRoleForm
from crm.web.views.common import form_round_trip

from .index import back_to_settings
from .index import posted as _posted


def _back() -> dict:
    url = reverse("web:settings_users")
    return {"cancel_url": url, "back_url": url, "back_label": _("Users and roles")}


@web_view("users")
def user_list(request):
    users = (
        User.objects.select_related("team")
        .annotate(open_deals=Count("deals", filter=Q(deals__status="open")))
        .order_by("-is_active", "username")
    )
    return render(request, "settings/users.html", {"users": users, **back_to_settings()})


@web_view("users", write=True)
def user_invite_view(request):
    return form_round_trip(
        request,
        form=InviteForm(_posted(request)),
        save=lambda data: user_invite(actor=request.user, **data),
        success_url=lambda user: reverse("web:settings_users"),
        success_message=_("Invitation sent."),
        context={"heading": _("Invite a user"), "submit_label": _("Send invitation"), **_back()},
    )


@web_view("users", write=True)
def user_edit_view(request, pk):
    user = access_row(request.user, "users", User.objects.all(), pk, write=True)
    form = UserRoleForm(_posted(request), initial={"role": user.role, "team": user.team})
    return form_round_trip(
        request,
        form=form,
        save=lambda data: user_update(user=user, actor=request.user, data=data),
        success_url=lambda saved: reverse("web:settings_users"),
        success_message=_("User saved."),
        context={
            "heading": _("Role and team of %(name)s") % {"name": user},
            **_back(),
        },
    )


@web_view("users", write=True)
def user_deactivate_view(request, pk):
    user = access_row(request.user, "users", User.objects.filter(is_active=True), pk, write=True)
    return form_round_trip(
        request,
        form=DeactivateForm(_posted(request), user=user),
        save=lambda data: user_deactivate(
            user=user, actor=request.user, reassign_to=data["reassign_to"]
        ),
        success_url=lambda counts: reverse("web:settings_users"),
        success_message=_("User deactivated."),
        context={
            "heading": _("Deactivate %(name)s") % {"name": user},
            "submit_label": _("Deactivate"),
            "open_records": user_open_records(user),
            **_back(),
        },
        page_template="settings/deactivate.html",
    )


@require_POST
@web_view("users", write=True)
def user_reactivate_view(request, pk):
    """Let a deactivated user sign in again (their former records stay with whoever got them)."""
    user = access_row(request.user, "users", User.objects.filter(is_active=False), pk, write=True)
    user_update(user=user, actor=request.user, data={"is_active": True})
    messages.success(request, _("User reactivated."))
    return redirect("web:settings_users")
