"""Settings → teams: create, rename, members, delete (admins write, managers read)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import policies
from crm.models import Team
from crm.services.users import team_create, team_delete, team_members_set, team_update
from crm.web.access import access_row, require_read, web_view
from crm.web.forms.settings import TeamForm
from crm.web.responses import error_text
from crm.web.views.common import form_round_trip

from .index import back_to_settings
from .index import posted as _posted


def _back() -> dict:
    url = reverse("web:settings_teams")
    return {"cancel_url": url, "back_url": url, "back_label": _("Teams")}


@web_view("settings")
def team_list(request):
    require_read(request.user, "teams")
    teams = Team.objects.select_related("manager").annotate(member_count=Count("members"))
    return render(
        request,
        "settings/teams.html",
        {
            "teams": teams,
            "can_write": policies.can_write(request.user, "teams"),
            **back_to_settings(),
        },
    )


def _save_team(*, team, actor, data) -> Team:
    fields = {"name": data["name"], "manager": data["manager"]}
    if team is None:
        team = team_create(actor=actor, **fields)
    else:
        team = team_update(team=team, actor=actor, data=fields)
    return team_members_set(team=team, actor=actor, members=data["members"])


@web_view("teams", write=True)
def team_create_view(request):
    return form_round_trip(
        request,
        form=TeamForm(_posted(request)),
        save=lambda data: _save_team(team=None, actor=request.user, data=data),
        success_url=lambda team: reverse("web:settings_teams"),
        success_message=_("Team saved."),
        context={"heading": _("New team"), **_back()},
    )


@web_view("teams", write=True)
def team_edit_view(request, pk):
    team = access_row(request.user, "teams", Team.objects.all(), pk, write=True)
    initial = {"name": team.name, "manager": team.manager, "members": list(team.members.all())}
    return form_round_trip(
        request,
        form=TeamForm(_posted(request), initial=initial),
        save=lambda data: _save_team(team=team, actor=request.user, data=data),
        success_url=lambda saved: reverse("web:settings_teams"),
        success_message=_("Team saved."),
        context={"heading": _("Edit team %(name)s") % {"name": team.name}, **_back()},
    )


@require_POST
@web_view("teams", write=True)
def team_delete_view(request, pk):
    team = access_row(request.user, "teams", Team.objects.all(), pk, write=True)
    try:
        team_delete(team=team, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Team deleted."))
    return redirect("web:settings_teams")
