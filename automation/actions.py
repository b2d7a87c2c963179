"""What a rule can do, each through the crm services so domain events fire as usual.

Every action runs inside its rule run's transaction (see `automation.engine`): either
the action and its run row are both written, or neither is. Mail is the exception that
cannot roll back, so it is recorded as an `OutboundEmail` and sent after commit.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm.languages import in_language_of, recipient_language
from crm.models import ActivityKind, Campaign, DealKind, LeadStatus, Lifecycle, Source, User
from crm.services.activities import activity_create
from crm.services.contacts import contact_set_tags, contact_update
from crm.services.deals import deal_update
from crm.services.leads import lead_update
from crm.services.notifications import notification_create
from crm.services.outbound_email import contact_consent_refusal, contact_looks_mailable

from .marketing.tokens import public_url, unsubscribe_token
from .params import CAMPAIGN, CHOICE, INT, LONGTEXT, TEAM, TEXT, USER, USERS, Param
from .placeholders import fill
from .said import said
from .services.emails import outbound_email_queue
from .services.enrollments import enrollment_active_exists, enrollment_create
from .services.round_robin import round_robin_next


class ActionError(Exception):
    """A permanent failure (missing campaign, nobody to assign): logged, not retried."""


# Fields a rule may set, per record type, with their allowed values. Converting a lead
# is left out on purpose: it opens a deal and belongs to a person's judgement.
SETTABLE_FIELDS: dict[str, dict[str, tuple[Any, list]]] = {
    "deal": {"kind": (_("Deal kind"), DealKind.choices)},
    "lead": {
        "status": (
            _("Lead status"),
            [c for c in LeadStatus.choices if c[0] != LeadStatus.CONVERTED],
        ),
        "source": (_("Lead source"), Source.choices),
    },
    "contact": {
        "lifecycle": (_("Contact lifecycle"), Lifecycle.choices),
        "source": (_("Contact source"), Source.choices),
    },
}

ASSIGNEE_CHOICES = [
    ("owner", _("the record's owner")),
    ("user", _("a specific user")),
    ("team", _("round robin over a team")),
    ("users", _("round robin over users")),
]
POOL_CHOICES = [("team", _("a team")), ("users", _("a list of users"))]
RECIPIENT_CHOICES = [("owner", _("the record's owner")), ("user", _("a specific user"))]


@dataclass(frozen=True)
class ActionType:
    key: str
    label: Any
    params: tuple[Param, ...]
    execute: Callable  # (ctx, params, run) -> outcome dict with a "summary"
    preview: Callable  # (ctx, params) -> (tally key, phrase(n)) or None when it would not act
    subjects: frozenset | None = None  # record types it works on; None: any
    # False when it only adds rows of its own (a task, an email, a notification): the
    # engine then judges the event's next rule on the same context instead of reading the
    # record and its related rows again.
    changes_records: bool = True
    # True when it writes a row pointing at the run (an enrollment, an outbound email):
    # the run row must then exist before it. Otherwise a first delivery writes the run
    # once, after the actions, instead of inserting it first and updating it at the end.
    links_to_run: bool = True
    # False when everything it does stays in this database (a task): a commit lost in a
    # crash is then redone by the outbox sweep with nothing seen outside twice, so the
    # engine commits its run without waiting for the disk (automation.engine).
    effects_outside: bool = True


# --- Assignees -----------------------------------------------------------------------


def _pool_users(params: dict, pool: str) -> list[User]:
    if pool == "team":
        return list(User.objects.filter(team_id=params["team"], is_active=True).order_by("pk"))
    return list(User.objects.filter(pk__in=params["users"], is_active=True).order_by("pk"))


def _pool_key(params: dict, pool: str) -> str:
    # Rules sharing a pool share its turns, so lead distribution stays even across rules.
    if pool == "team":
        return f"team:{params['team']}"
    return "users:" + ",".join(str(pk) for pk in sorted(params["users"]))


def _round_robin(params: dict, pool: str) -> User:
    users = _pool_users(params, pool)
    if not users:
        raise ActionError(_("The round-robin pool has no active users."))
    return round_robin_next(key=_pool_key(params, pool), users=users)


def _assignee(ctx, params: dict) -> User | None:
    choice = params["assignee"]
    if choice == "owner":
        return ctx.owner
    if choice == "user":
        user = User.objects.filter(pk=params["user"], is_active=True).first()
        if user is None:
            raise ActionError(_("The chosen user no longer exists or is inactive."))
        return user
    return _round_robin(params, choice)


# --- Handlers ------------------------------------------------------------------------


# An activity kind as a word inside a sentence ("created call task"): lower case where the
# language writes it so, unlike the kind's label ("Call"). Marked here; looked up by code.
KIND_IN_SENTENCE = "activity kind inside a sentence"
_KIND_WORDS = [
    pgettext_lazy("activity kind inside a sentence", "call"),
    pgettext_lazy("activity kind inside a sentence", "email"),
    pgettext_lazy("activity kind inside a sentence", "meeting"),
    pgettext_lazy("activity kind inside a sentence", "task"),
]


def _create_task(ctx, params, run):
    assignee = _assignee(ctx, params)
    links = {"deal": ctx.deal, "contact": ctx.contact}
    if ctx.subject_type == "lead":
        links["lead"] = ctx.subject
    # The shipped rule's title is a msgid: the task reads in its assignee's language.
    with in_language_of(assignee):
        title = fill(gettext(params["title"]), ctx)
    activity = activity_create(
        actor=None,
        kind=params["kind"],
        subject=title[:200],
        assignee=assignee,
        due_at=timezone.now() + timedelta(hours=params["due_in_hours"]),
        links_read=True,  # the rule's context read them in this run's transaction
        **links,
    )
    kind = said(params["kind"], context=KIND_IN_SENTENCE)
    summary = (
        said(gettext_noop("created %(kind)s task for %(user)s"), kind=kind, user=assignee)
        if assignee
        else said(
            gettext_noop("created unassigned %(kind)s task (the record has no owner)"), kind=kind
        )
    )
    return {"activity": activity.pk, "assignee": getattr(assignee, "pk", None), "summary": summary}


def _preview_create_task(ctx, params):
    kind = pgettext(KIND_IN_SENTENCE, params["kind"])
    return (
        f"create_task:{params['kind']}",
        lambda n: (
            ngettext("created %(n)s %(kind)s task", "created %(n)s %(kind)s tasks", n)
            % {"n": n, "kind": kind}
        ),
    )


def _enroll(ctx, params, run):
    campaign = Campaign.objects.filter(pk=params["campaign"]).first()
    if campaign is None:
        raise ActionError(_("The campaign no longer exists."))
    contact = ctx.contact
    if contact is None:
        return {"summary": _("no contact to enroll")}
    refusal = contact_consent_refusal(contact)
    if refusal is not None and refusal.code == "no_address":
        return {"contact": contact.pk, "summary": _("no email address to write to")}
    if refusal is not None:
        return {"contact": contact.pk, "summary": _("contact opted out; not enrolled")}
    if enrollment_active_exists(campaign=campaign, contact=contact):
        return {
            "contact": contact.pk,
            "campaign": campaign.pk,
            "summary": said(gettext_noop("already enrolled in %(campaign)s"), campaign=campaign),
        }
    enrollment = enrollment_create(campaign=campaign, contact=contact, run=run)
    return {
        "enrollment": enrollment.pk,
        "contact": contact.pk,
        "campaign": campaign.pk,
        "summary": said(
            gettext_noop("enrolled %(contact)s in %(campaign)s"), contact=contact, campaign=campaign
        ),
    }


def _preview_enroll(ctx, params):
    # Whether the contact is already enrolled is tracked by the dry run's simulation.
    def phrase(n):
        name = Campaign.objects.filter(pk=params["campaign"]).values_list("name", flat=True)
        return ngettext(
            "enrolled %(n)s contact in %(campaign)s", "enrolled %(n)s contacts in %(campaign)s", n
        ) % {"n": n, "campaign": name.first()}

    return f"enroll:{params['campaign']}", phrase


_UPDATERS = {
    "deal": lambda row, data: deal_update(deal=row, actor=None, data=data),
    "lead": lambda row, data: lead_update(lead=row, actor=None, data=data),
    "contact": lambda row, data: contact_update(contact=row, actor=None, data=data),
}


def _assign_owner(ctx, params, run):
    record = ctx.subject
    user = _round_robin(params, params["pool"])
    _UPDATERS[ctx.subject_type](record, {"owner": user})
    return {"owner": user.pk, "summary": said(gettext_noop("assigned to %(user)s"), user=user)}


def _preview_assign_owner(ctx, params):
    return (
        "assign_owner",
        lambda n: (
            ngettext(
                "assigned %(n)s record by round robin", "assigned %(n)s records by round robin", n
            )
            % {"n": n}
        ),
    )


def _tag_names(contact) -> list[str]:
    return list(contact.tags.values_list("name", flat=True))


def _add_tag(ctx, params, run):
    contact = ctx.contact
    if contact is None:
        return {"summary": _("no contact to tag")}
    names = _tag_names(contact)
    if params["tag"].lower() in {n.lower() for n in names}:
        return {
            "contact": contact.pk,
            "summary": said(gettext_noop("already tagged %(tag)s"), tag=params["tag"]),
        }
    contact_set_tags(contact=contact, actor=None, tags=[*names, params["tag"]])
    return {
        "contact": contact.pk,
        "summary": said(gettext_noop("tagged %(tag)s"), tag=params["tag"]),
    }


def _remove_tag(ctx, params, run):
    contact = ctx.contact
    if contact is None:
        return {"summary": _("no contact to untag")}
    names = _tag_names(contact)
    kept = [n for n in names if n.lower() != params["tag"].lower()]
    if len(kept) == len(names):
        return {
            "contact": contact.pk,
            "summary": said(gettext_noop("was not tagged %(tag)s"), tag=params["tag"]),
        }
    contact_set_tags(contact=contact, actor=None, tags=kept)
    return {
        "contact": contact.pk,
        "summary": said(gettext_noop("removed tag %(tag)s"), tag=params["tag"]),
    }


def _preview_tag(verb_singular, verb_plural):
    def preview(ctx, params):
        if ctx.contact is None:
            return None
        return (
            f"{verb_singular}:{params['tag']}",
            lambda n: ngettext(verb_singular, verb_plural, n) % {"n": n, "tag": params["tag"]},
        )

    return preview


def _set_field(ctx, params, run):
    _UPDATERS[ctx.subject_type](ctx.subject, {params["field"]: params["value"]})
    return {
        "field": params["field"],
        "value": params["value"],
        "summary": said(
            gettext_noop("set %(field)s to %(value)s"), field=params["field"], value=params["value"]
        ),
    }


def _preview_set_field(ctx, params):
    return (
        f"set_field:{params['field']}",
        lambda n: (
            ngettext("set %(field)s on %(n)s record", "set %(field)s on %(n)s records", n)
            % {"n": n, "field": params["field"]}
        ),
    )


def _change_score(ctx, params, run):
    lead = ctx.lead
    if lead is None:
        return {"summary": _("no lead to score")}
    lead = lead_update(lead=lead, actor=None, data={"score": max(0, lead.score + params["delta"])})
    return {
        "lead": lead.pk,
        "score": lead.score,
        "summary": said(gettext_noop("lead score now %(score)s"), score=lead.score),
    }


def _preview_change_score(ctx, params):
    if ctx.lead is None:
        return None
    return (
        "change_lead_score",
        lambda n: (
            ngettext("changed the score of %(n)s lead", "changed the score of %(n)s leads", n)
            % {"n": n}
        ),
    )


def _send_email(ctx, params, run):
    contact = ctx.contact
    if contact is None or not contact.email:
        return {"summary": _("no email address to write to")}
    # Early, so the run log says why; the send asks the same check again.
    if contact_consent_refusal(contact) is not None:
        return {"contact": contact.pk, "summary": _("contact opted out; no email sent")}
    email = outbound_email_queue(
        run=run,
        to=contact.email,
        subject=fill(params["subject"], ctx),
        body=fill(params["body"], ctx),
        unsubscribe_url=public_url(
            reverse("marketing_public:unsubscribe", args=[unsubscribe_token(contact.pk)])
        ),
        language=recipient_language(contact),
    )
    return {
        "email": email.pk,
        "summary": said(gettext_noop("emailed %(email)s"), email=contact.email),
    }


def _preview_send_email(ctx, params):
    if not contact_looks_mailable(ctx.contact):
        return None
    return "send_email", lambda n: ngettext("sent %(n)s email", "sent %(n)s emails", n) % {"n": n}


def _notify(ctx, params, run):
    if params["recipient"] == "owner":
        user = ctx.owner
    else:
        user = User.objects.filter(pk=params["user"], is_active=True).first()
    if user is None:
        return {"summary": _("nobody to notify")}
    message = fill(params["message"], ctx)[:500]
    notification = notification_create(user=user, message=message)
    outcome = {"notification": notification.pk, "user": user.pk}
    if user.email:
        email = outbound_email_queue(run=run, to=user.email, subject=message[:300], body=message)
        outcome["email"] = email.pk
    return {**outcome, "summary": said(gettext_noop("notified %(user)s"), user=user)}


def _preview_notify(ctx, params):
    return (
        "notify_user",
        lambda n: ngettext("sent %(n)s notification", "sent %(n)s notifications", n) % {"n": n},
    )


def _settable_field_choices(subject):
    return [(name, label) for name, (label, _c) in SETTABLE_FIELDS.get(subject, {}).items()]


def _pool_params():
    return (
        Param("team", _("Team"), TEAM, when=("pool", ("team",))),
        Param("users", _("Users"), USERS, when=("pool", ("users",))),
    )


ACTIONS: dict[str, ActionType] = {
    a.key: a
    for a in (
        ActionType(
            "create_task",
            _("Create a task"),
            (
                Param("kind", _("Kind"), CHOICE, lambda s: ActivityKind.choices, default="call"),
                Param("title", _("Title"), TEXT, help=_("Placeholders: {deal}, {contact}, {value}, {owner}.")),
                Param("assignee", _("Assign to"), CHOICE, lambda s: ASSIGNEE_CHOICES, default="owner"),
                Param("user", _("User"), USER, when=("assignee", ("user",))),
                Param("team", _("Team"), TEAM, when=("assignee", ("team",))),
                Param("users", _("Users"), USERS, when=("assignee", ("users",))),
                Param("due_in_hours", _("Due in (hours)"), INT, default=24, minimum=0, maximum=24 * 365),
            ),
            _create_task,
            _preview_create_task,
            changes_records=False,
            links_to_run=False,
            effects_outside=False,
        ),
        ActionType(
            "enroll_in_campaign",
            _("Enroll the contact in a campaign"),
            (Param("campaign", _("Campaign"), CAMPAIGN),),
            _enroll,
            _preview_enroll,
        ),
        ActionType(
            "assign_owner",
            _("Assign the owner by round robin"),
            (Param("pool", _("Over"), CHOICE, lambda s: POOL_CHOICES, default="team"), *_pool_params()),
            _assign_owner,
            _preview_assign_owner,
            subjects=frozenset(_UPDATERS),
            links_to_run=False,
        ),
        ActionType(
            "add_tag",
            _("Add a tag to the contact"),
            (Param("tag", _("Tag"), TEXT, max_length=60),),
            _add_tag,
            _preview_tag("tagged %(n)s contact %(tag)s", "tagged %(n)s contacts %(tag)s"),
            links_to_run=False,
        ),
        ActionType(
            "remove_tag",
            _("Remove a tag from the contact"),
            (Param("tag", _("Tag"), TEXT, max_length=60),),
            _remove_tag,
            _preview_tag(
                "removed tag %(tag)s from %(n)s contact", "removed tag %(tag)s from %(n)s contacts"
            ),
            links_to_run=False,
        ),
        ActionType(
            "set_field",
            _("Set a field"),
            (
                Param("field", _("Field"), CHOICE, _settable_field_choices),
                Param("value", _("Value"), TEXT, max_length=60),
            ),
            _set_field,
            _preview_set_field,
            subjects=frozenset(SETTABLE_FIELDS),
            links_to_run=False,
        ),
        ActionType(
            "change_lead_score",
            _("Change the lead score"),
            (Param("delta", _("Points (+/−)"), INT, minimum=-1000, maximum=1000),),
            _change_score,
            _preview_change_score,
            links_to_run=False,
        ),
        ActionType(
            "send_email",
            _("Send an email to the contact"),
            (
                Param("subject", _("Subject"), TEXT, max_length=300),
                Param("body", _("Body"), LONGTEXT, help=_("Placeholders: {first_name}, {contact}, {deal}.")),
            ),
            _send_email,
            _preview_send_email,
            changes_records=False,
        ),
        ActionType(
            "notify_user",
            _("Notify a user"),
            (
                Param("recipient", _("Notify"), CHOICE, lambda s: RECIPIENT_CHOICES, default="owner"),
                Param("user", _("User"), USER, when=("recipient", ("user",))),
                Param("message", _("Message"), TEXT, max_length=500),
            ),
            _notify,
            _preview_notify,
            changes_records=False,
        ),
    )
}  # fmt: skip


def action_choices() -> list[tuple[str, str]]:
    """(key, label) of every action, read when asked: other apps register theirs at startup."""
    return [(key, action.label) for key, action in ACTIONS.items()]
