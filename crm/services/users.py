"""Users, roles and teams: the operator-facing writes (API, `create_user` command)."""

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.languages import in_language_of
from crm.models import Activity, AuditKind, Deal, Lead, LeadStatus, Role, Team, Ticket, User
from crm.services.audit import audit_deleted, audit_record, audit_settings_changed

from .common import apply_fields, model_save
from .outbound_email import MailKind, templated_email_send

logger = logging.getLogger(__name__)

USER_EDITABLE_FIELDS = {
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "team",
    "is_active",
    "language",
}
# What every user may change on their own account (the profile page, /api/me/).
PROFILE_FIELDS = {"first_name", "last_name", "email", "language"}


def _set_password(user: User, password: str | None) -> None:
    """Validate against the configured validators, naming the field the client sent."""
    if password is None:
        user.set_unusable_password()
        return
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    role: str = Role.REP,
    password: str | None = None,
    **fields: Any,
) -> User:
    """Create a login. Without a password the account cannot sign in until one is set."""
    user = User(username=username, role=role, **fields)
    # Django's `password` field is required by full_clean; hash first, validate after.
    _set_password(user, password)
    return model_save(user)


@transaction.atomic
def user_update(*, user: User, actor: User | None, data: dict[str, Any]) -> User:
    """Change account fields. ValidationError: a field not editable here, or a change that
    would leave no active admin (demoting or deactivating the last one)."""
    data = dict(data)
    password = data.pop("password", None)
    was_admin = user.is_admin_role and user.is_active
    before = {"role": user.role, "is_active": user.is_active}
    apply_fields(user, data, USER_EDITABLE_FIELDS)
    demoted = was_admin and not (user.is_admin_role and user.is_active)
    if demoted and not _active_admins().exclude(pk=user.pk).exists():
        raise ValidationError(_("This is the last active admin; make someone else admin first."))
    if password is not None:
        _set_password(user, password)
    saved = model_save(user)
    _audit_access_change(actor=actor, user=saved, before=before)
    return saved


def _audit_access_change(*, actor: User | None, user: User, before: dict[str, Any]) -> None:
    """Audit a change of role or of active state (what the user may reach)."""
    changes = {
        field: {"from": before[field], "to": getattr(user, field)}
        for field in ("role", "is_active")
        if before[field] != getattr(user, field)
    }
    if changes:
        audit_record(
            kind=AuditKind.ROLE_CHANGED,
            actor=actor,
            target=user,
            summary=f"{user.get_username()}: "
            + ", ".join(f"{f} {c['from']} → {c['to']}" for f, c in changes.items()),
            details=changes,
        )


@transaction.atomic
def team_create(*, actor: User | None, name: str, manager: User | None = None) -> Team:
    audit_settings_changed(actor=actor, record=None, what="team_create")
    return model_save(Team(name=name, manager=manager))


@transaction.atomic
def team_update(*, team: Team, actor: User | None, data: dict[str, Any]) -> Team:
    audit_settings_changed(actor=actor, record=team, what="team_update")
    apply_fields(team, data, {"name", "manager"})
    return model_save(team)


@transaction.atomic
def user_profile_update(*, user: User, data: dict[str, Any]) -> User:
    """A user edits their own name, email and language; nothing else of the account."""
    apply_fields(user, data, PROFILE_FIELDS)
    return model_save(user)


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """Remember the language a signed-in user picked in the language switch."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Pick one of the offered languages.")})
    if user.language != language:
        user.language = language
        # Only this column: the switch must not fail over an unrelated field of the account.
        user.save(update_fields=["language"])
    return user


# Roles that may own sales records and work tickets (crm/policies.py writes).
SALES_OWNER_ROLES = (Role.REP, Role.MANAGER, Role.ADMIN)
TICKET_WORKER_ROLES = (Role.SUPPORT, Role.MANAGER, Role.ADMIN)
OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)


@transaction.atomic
def user_invite(
    *,
    actor: User | None,
    email: str,
    role: str,
    team: Team | None = None,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
) -> User:
    """Create an account (username = email, no password yet) and email a set-password link.

    The email goes out after commit, in the new user's language, through Django's
    password-reset tokens, so the link expires like a reset link. ValidationError: the
    email is taken, or a field is invalid.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise ValidationError({"email": _("A user with this email already exists.")})
    user = user_create(
        actor=actor,
        username=email,
        role=role,
        email=email,
        team=team,
        first_name=first_name,
        last_name=last_name,
        language=language,
    )
    invited_by = str(actor) if actor is not None else "Goalpost"
    transaction.on_commit(lambda: _send_invitation(user, invited_by))
    return user


def _send_invitation(user: User, invited_by: str) -> None:
    public = urlsplit(settings.GOALPOST_PUBLIC_URL)
    context = {
        "email": user.email,
        "domain": public.netloc,
        "protocol": public.scheme or "https",
        "site_name": "Goalpost",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "invited_by": invited_by,
    }
    with in_language_of(user):
        try:
            templated_email_send(
                kind=MailKind.TRANSACTIONAL,
                to=user.email,
                subject_template="registration/invite_subject.txt",
                body_template="registration/invite_email.html",
                context=context,
            )
        except Exception:
            # The user exists either way; an admin can send a password reset instead.
            logger.exception("Failed to send the invitation to user %s", user.pk)


def _active_admins() -> QuerySet[User]:
    return User.objects.filter(is_active=True).filter(Q(role=Role.ADMIN) | Q(is_superuser=True))


def user_open_records(user: User) -> dict[str, int]:
    """How many open deals, open leads, pending activities and unresolved tickets `user` has."""
    return {
        "deals": Deal.objects.open().filter(owner=user).count(),
        "leads": Lead.objects.filter(owner=user, status__in=OPEN_LEAD_STATUSES).count(),
        "activities": Activity.objects.pending().filter(assignee=user).count(),
        "tickets": Ticket.objects.unresolved().filter(assignee=user).count(),
    }


@transaction.atomic
def user_deactivate(
    *, user: User, actor: User | None, reassign_to: User | None = None
) -> dict[str, int]:
    """Switch a login off and hand its open work to `reassign_to`, all or nothing.

    Open deals, open leads and pending activities need a sales owner (rep, manager,
    admin); unresolved tickets need an agent (support, manager, admin). Returns how many
    of each moved. ValidationError: deactivating yourself or the last admin, or open work
    without a suitable, active `reassign_to`.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if user.is_admin_role and not _active_admins().exclude(pk=user.pk).exists():
        raise ValidationError(_("This is the last active admin; make someone else admin first."))
    counts = user_open_records(user)
    if reassign_to is not None and (reassign_to.pk == user.pk or not reassign_to.is_active):
        raise ValidationError({"reassign_to": _("Pick another, active user.")})
    sales = counts["deals"] + counts["leads"] + counts["activities"]
    if sales and (reassign_to is None or not reassign_to.has_role(*SALES_OWNER_ROLES)):
        raise ValidationError(
            {
                "reassign_to": ngettext(
                    "%(count)s open deal, lead or activity needs a new owner in sales.",
                    "%(count)s open deals, leads and activities need a new owner in sales.",
                    sales,
                )
                % {"count": sales}
            }
        )
    if counts["tickets"] and (
        reassign_to is None or not reassign_to.has_role(*TICKET_WORKER_ROLES)
    ):
        raise ValidationError(
            {
                "reassign_to": ngettext(
                    "%(count)s open ticket needs a support agent or manager.",
                    "%(count)s open tickets need a support agent or manager.",
                    counts["tickets"],
                )
                % {"count": counts["tickets"]}
            }
        )
    if reassign_to is not None:
        Deal.objects.open().filter(owner=user).update(owner=reassign_to)
        Lead.objects.filter(owner=user, status__in=OPEN_LEAD_STATUSES).update(owner=reassign_to)
        Activity.objects.pending().filter(assignee=user).update(assignee=reassign_to)
        Ticket.objects.unresolved().filter(assignee=user).update(assignee=reassign_to)
    user.is_active = False
    user.save(update_fields=["is_active"])
    _audit_access_change(actor=actor, user=user, before={"role": user.role, "is_active": True})
    return counts


@transaction.atomic
def team_members_set(*, team: Team, actor: User | None, members: Iterable[User]) -> Team:
    """Make `members` (users) exactly the team's members; users left out lose the team."""
    audit_settings_changed(actor=actor, record=team, what="team_members_set")
    member_ids = {m.pk for m in members}
    User.objects.filter(team=team).exclude(pk__in=member_ids).update(team=None)
    User.objects.filter(pk__in=member_ids).update(team=team)
    return team


def team_dependents(team: Team) -> list[str]:
    """What still points at `team`, in words ("3 users", "1 quota"); empty when nothing."""
    found = []
    for relation in team._meta.related_objects:
        if not relation.one_to_many and not relation.one_to_one:
            continue
        model = relation.related_model
        count = model._default_manager.filter(**{relation.field.name: team}).count()
        if count:
            meta = model._meta
            found.append(f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}")
    return found


@transaction.atomic
def team_delete(*, team: Team, actor: User | None) -> None:
    """Delete a team nothing refers to. ValidationError naming the dependents otherwise."""
    audit_deleted(actor=actor, record=team)
    dependents = team_dependents(team)
    if dependents:
        raise ValidationError(
            _("This team still has %(things)s; move or remove them first.")
            % {"things": ", ".join(dependents)}
        )
    team.delete()
