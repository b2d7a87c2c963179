"""The run log in words with links: "Deal created · Renewal for Acme · enrolled Arash
Ahmadi in Nurture", each record named as people know it and linked to its page.

A run stores ids (its subject, and in its outcome the contact, enrollment, campaign or
lead an action touched) and what it said (automation.said). For one page of runs this
reads the names behind those ids with one query per kind of record, however many runs the
page shows, and renders each said message again with its record parameters as links. A
record the reader may not open is named without a link.
"""

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from crm import policies
from crm.models import Contact, Deal, DomainEventKind, Lead, Ticket

from .actions import SETTABLE_FIELDS
from .models import Enrollment, Run
from .said import said_render

# Record type → (policy resource, detail URL name, how to read the names of a few ids).
SUBJECTS = {
    "deal": ("deals", "web:deal_detail"),
    "contact": ("contacts", "web:contact_detail"),
    "lead": ("leads", "web:lead_detail"),
    "ticket": ("tickets", "web:ticket_detail"),
}


@dataclass(frozen=True)
class RecordLink:
    label: str
    url: str | None

    def html(self) -> SafeString:
        if self.url:
            return format_html('<a href="{}"><bdi>{}</bdi></a>', self.url, self.label)
        return format_html("<bdi>{}</bdi>", self.label)


def _names(subject_type: str, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    if subject_type == "deal":
        return dict(Deal.objects.filter(pk__in=ids).values_list("pk", "title"))
    if subject_type == "contact":
        return {
            c.pk: str(c) for c in Contact.objects.filter(pk__in=ids).only("first_name", "last_name")
        }
    if subject_type == "lead":
        leads = Lead.objects.filter(pk__in=ids).select_related("contact")
        return {lead.pk: gettext("Lead: %(contact)s") % {"contact": lead.contact} for lead in leads}
    if subject_type == "ticket":
        return dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "subject"))
    return {}


class RunLog:
    """Names and links for the records of a page of runs (see `rows`)."""

    def __init__(self, runs: list[Run], *, user):
        self.user = user
        wanted: dict[str, set[int]] = {kind: set() for kind in SUBJECTS}
        enrollment_ids = set()
        for run in runs:
            if run.subject_type in wanted:
                wanted[run.subject_type].add(run.subject_id)
            for entry in self._entries(run):
                for key in ("contact", "lead"):
                    if isinstance(entry.get(key), int):
                        wanted[key].add(entry[key])
                if isinstance(entry.get("enrollment"), int):
                    enrollment_ids.add(entry["enrollment"])
        self.names = {kind: _names(kind, ids) for kind, ids in wanted.items()}
        self.campaign_of_enrollment = dict(
            Enrollment.objects.filter(pk__in=enrollment_ids).values_list("pk", "campaign_id")
        )
        self.readable = {
            kind: policies.can_read(user, resource) for kind, (resource, _url) in SUBJECTS.items()
        }
        self.campaigns_readable = policies.can_read(user, "campaigns")

    @staticmethod
    def _entries(run: Run) -> list[dict]:
        return [e for e in run.outcome or [] if isinstance(e, dict) and "summary" in e]

    def link(self, subject_type: str, pk: int) -> RecordLink | None:
        name = self.names.get(subject_type, {}).get(pk)
        if name is None:
            return None
        resource_url = SUBJECTS[subject_type][1]
        url = reverse(resource_url, args=[pk]) if self.readable[subject_type] else None
        return RecordLink(name, url)

    def subject(self, run: Run) -> RecordLink:
        """The record the run acted on by its name; a deleted one as "Deal (deleted)"."""
        found = (
            self.link(run.subject_type, run.subject_id) if run.subject_type in SUBJECTS else None
        )
        if found is not None:
            return found
        if run.subject_type in SUBJECTS:
            return RecordLink(
                gettext("%(record)s (deleted)") % {"record": _model_label(run.subject_type)}, None
            )
        return RecordLink(_model_label(run.subject_type), None)

    def _param_links(self, entry: dict) -> dict[str, SafeString]:
        """The said parameters that name a record, as links."""
        links = {}
        contact = entry.get("contact")
        if isinstance(contact, int) and (found := self.link("contact", contact)):
            links["contact"] = found.html()
        campaign_id = entry.get("campaign")
        if not isinstance(campaign_id, int):
            enrollment = entry.get("enrollment")
            campaign_id = (
                self.campaign_of_enrollment.get(enrollment) if isinstance(enrollment, int) else None
            )
        said = entry.get("said") or {}
        name = (said.get("params") or {}).get("campaign")
        if campaign_id and isinstance(name, str):
            url = reverse("marketing:campaign", args=[campaign_id])
            links["campaign"] = RecordLink(name, url if self.campaigns_readable else None).html()
        return links

    def _field_words(self, run: Run, entry: dict) -> dict[str, str]:
        """ "Lead status" and "Qualified" for a set_field's "status" and "qualified"."""
        fields = SETTABLE_FIELDS.get(run.subject_type, {})
        field = entry.get("field")
        if field not in fields:
            return {}
        label, choices = fields[field]
        value = str(entry.get("value", ""))
        return {"field": str(label), "value": str(dict(choices).get(value, value))}

    def outcome(self, run: Run) -> SafeString:
        entries = self._entries(run)
        if not entries:
            return escape(said_render(None, run.summary))
        parts = []
        for entry in entries:
            said = entry.get("said")
            words = self._field_words(run, entry)
            links = self._param_links(entry)
            if not said or not (links or words):
                parts.append(escape(said_render(said, entry["summary"])))
                continue
            parts.append(_render_with(said, entry["summary"], links, words))
        return mark_safe("; ".join(parts))  # noqa: S308 - every part is escaped above

    def rows(self, runs: list[Run]) -> list[dict]:
        labels = dict(DomainEventKind.choices)
        return [
            {
                "run": run,
                "event": str(labels.get(run.event_kind, _type_label(run.event_kind))),
                "subject": self.subject(run),
                "outcome": self.outcome(run),
            }
            for run in runs
        ]


def _model_label(subject_type: str) -> str:
    """ "Purchase" for "purchase": the record type's name in the reader's language."""
    try:
        return str(apps.get_model("crm", subject_type)._meta.verbose_name).capitalize()
    except LookupError:
        return _type_label(subject_type)


def _type_label(kind: str) -> str:
    """A record type or event kind that has no label: "deal.value" → "Deal value"."""
    return kind.replace(".", " ").replace("_", " ").capitalize()


def _render_with(said: dict, text: str, links: dict, words: dict) -> SafeString:
    """The said message in the reader's language, its record parameters as links."""
    try:
        context, params = said.get("context"), dict(said.get("params") or {})
        translated = pgettext(context, said["msgid"]) if context else gettext(said["msgid"])
        shown = {
            key: links[key]
            if key in links
            else escape(words[key])
            if key in words
            else escape(said_render(value, "") if isinstance(value, dict) else value)
            for key, value in params.items()
        }
        return mark_safe(escape(translated) % shown)  # noqa: S308 - parts escaped above
    except (KeyError, TypeError, ValueError):
        return escape(text)


def run_log_rows(runs, *, user) -> list[dict]:
    """Rows for the run log template: event label, linked record, outcome with links."""
    runs = list(runs)
    return RunLog(runs, user=user).rows(runs)
