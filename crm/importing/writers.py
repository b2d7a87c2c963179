"""Writing cleaned rows through the CRM services.

A row is written inside a savepoint by the batch (see `services.import_batch_run`): if any
step fails (a deal whose new contact is invalid, say) the savepoint rolls the whole row
back, so no row is ever half written. The lookups cached here are only trusted for rows
that succeeded; a failed row's entries are dropped and re-read from the database.

Contact rows whose company already exists (the bulk of a contacts file) are not written
one by one: `plan` builds new contacts, or the changes to a known one, and `flush` writes
them together through `batch.contacts_create_many` and `batch.contacts_update_many`, the
batch equivalents of `contact_create` and `contact_update` (see batch.py); a known
contact's row under the "skip" policy is answered there too, without a write. Whatever
the batch path cannot take, or refuses, goes through the per-row path.
"""

from dataclasses import dataclass, field
from typing import cast

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from crm.models import (
    Company,
    Contact,
    Deal,
    DomainEventKind,
    DuplicatePolicy,
    ImportJob,
    ImportKind,
    Lead,
    Source,
    Tag,
)
from crm.services.activities import activity_create
from crm.services.contacts import (
    CONTACT_EDITABLE_FIELDS,
    company_create,
    company_update,
    contact_create,
    contact_update,
)
from crm.services.deals import deal_create
from crm.services.events import event_emit
from crm.services.leads import lead_create
from crm.services.revenue import purchase_record
from crm.services.support import TICKET_ASSIGNEE_ROLES, ticket_open

from .batch import (
    contact_build,
    contacts_create_many,
    contacts_update_many,
    tags_by_name,
    text_in,
)
from .cleaning import CleanRow

CREATED, UPDATED, SKIPPED = "created", "updated", "skipped"
COMPANY_FIELDS = {"name", "domain", "industry", "phone", "address", "owner"}
LINKED_CONTACT_KEYS = ("contact_email", "contact_first_name", "contact_last_name")
LOOKUP_CHUNK = 2_000
# What contacts_update_many reads of a known contact besides the changed fields.
BATCH_READS = {"email", "owner", "opted_out", "lifecycle", "customer_since", "churned_at"}


class References:
    """The deals and leads lead and activity rows point at, as their exports write them.

    A lead's deal and an activity's lead are ids; an activity's deal is a title, which
    may repeat: the row's contact email picks among same-titled deals. The preview and
    the job resolve a row's references here alike, loaded per batch with a few queries.
    """

    def __init__(self) -> None:
        self._deals_by_id: dict[int, Deal | None] = {}
        self._leads_by_id: dict[int, Lead | None] = {}
        # lower-case title -> the deals so titled, oldest first
        self._deals_by_title: dict[str, list[Deal]] = {}

    def prefetch(self, kind: str, rows: list[CleanRow]) -> None:
        deal_ids, deal_titles, lead_ids = set(), set(), set()
        for row in rows:
            values = row.values
            if kind == ImportKind.LEADS and values.get("deal"):
                deal_ids.add(values["deal"])
            if kind == ImportKind.ACTIVITIES:
                if values.get("deal"):
                    deal_titles.add(values["deal"].lower())
                if values.get("lead"):
                    lead_ids.add(values["lead"])
        self._load_ids(self._deals_by_id, deal_ids, Deal)
        self._load_ids(self._leads_by_id, lead_ids, Lead)
        self._load_titles(deal_titles)

    @staticmethod
    def _load_ids(cache: dict, keys: set[int], model) -> None:
        missing = sorted(k for k in keys if k not in cache)
        for start in range(0, len(missing), LOOKUP_CHUNK):
            chunk = missing[start : start + LOOKUP_CHUNK]
            cache.update(dict.fromkeys(chunk))
            cache.update(model.objects.in_bulk(chunk))

    def _load_titles(self, titles: set[str]) -> None:
        missing = sorted(t for t in titles if t not in self._deals_by_title)
        for start in range(0, len(missing), LOOKUP_CHUNK):
            chunk = missing[start : start + LOOKUP_CHUNK]
            for title in chunk:
                self._deals_by_title[title] = []
            found = (
                Deal.objects.annotate(
                    lookup_key=Lower("title"), contact_key=Lower("contact__email")
                )
                .filter(lookup_key__in=chunk)
                .order_by("pk")
            )
            for deal in found:
                self._deals_by_title[deal.lookup_key].append(deal)

    def deal_by_id(self, pk: int) -> Deal:
        if pk not in self._deals_by_id:
            self._load_ids(self._deals_by_id, {pk}, Deal)
        deal = self._deals_by_id[pk]
        if deal is None:
            raise ValidationError({"deal": _("No deal has the id %(id)s.") % {"id": pk}})
        return deal

    def lead_by_id(self, pk: int) -> Lead:
        if pk not in self._leads_by_id:
            self._load_ids(self._leads_by_id, {pk}, Lead)
        lead = self._leads_by_id[pk]
        if lead is None:
            raise ValidationError({"lead": _("No lead has the id %(id)s.") % {"id": pk}})
        return lead

    def deal_by_title(self, title: str, *, contact_email: str | None) -> Deal:
        """The deal titled so (case aside); the contact picks among same-titled deals."""
        key = title.lower()
        if key not in self._deals_by_title:
            self._load_titles({key})
        deals = self._deals_by_title[key]
        if len(deals) > 1 and contact_email:
            email = contact_email.lower()
            # contact_key is annotated by _load_titles; the cache's type does not carry it.
            deals = [deal for deal in deals if deal.contact_key == email] or deals  # type: ignore[attr-defined]
        if not deals:
            raise ValidationError({"deal": _("No deal is titled “%(title)s”.") % {"title": title}})
        if len(deals) > 1:
            raise ValidationError(
                {
                    "deal": _(
                        "%(count)s deals are titled “%(title)s”; give the contact's email "
                        "to say which one."
                    )
                    % {"count": len(deals), "title": title}
                }
            )
        return deals[0]

    def resolve(self, kind: str, values: dict) -> dict:
        """{field: record} for the row's references; ValidationError names a missing one."""
        found: dict[str, Deal | Lead] = {}
        if kind == ImportKind.LEADS and values.get("deal"):
            found["deal"] = self.deal_by_id(values["deal"])
        if kind == ImportKind.ACTIVITIES:
            if values.get("lead"):
                found["lead"] = self.lead_by_id(values["lead"])
            if values.get("deal"):
                found["deal"] = self.deal_by_title(
                    values["deal"], contact_email=values.get("contact_email")
                )
        return found


@dataclass
class PendingContact:
    """A contact row planned by `RowWriter.plan`, waiting for `RowWriter.flush`.

    outcome CREATED: `contact` is new and unsaved; UPDATED: `contact` is the known one and
    `changes` its filled cells; SKIPPED: nothing to write.
    """

    row: CleanRow
    contact: Contact
    outcome: str
    tags: list[str] = field(default_factory=list)
    changes: dict = field(default_factory=dict)


def _filled(values: dict, allowed: set[str]) -> dict:
    """The cells that say something: an empty cell never blanks an existing value."""
    return {k: v for k, v in values.items() if k in allowed and v not in (None, "", [])}


class RowWriter:
    def __init__(self, job: ImportJob):
        self.job = job
        self.actor = job.created_by
        self.automate = job.automate
        self.update_existing = job.duplicate_policy == DuplicatePolicy.UPDATE
        # A default fills a value only when the file has no column for it: an empty cell
        # of a mapped column stays empty, so an exported file imports back unchanged.
        self.mapped_fields = set(job.mapping.values())
        self._contacts: dict[str, Contact | None] = {}
        self._companies_by_name: dict[str, Company | None] = {}
        self._companies_by_domain: dict[str, Company | None] = {}
        self._tags: dict[str, Tag | None] = {}
        self.references = References()
        self._pending_emails: set[str] = set()
        self._touched: list[tuple[dict, str]] = []
        self._known_contacts = Contact.objects.all()
        if job.kind == ImportKind.CONTACTS:
            # The batch path reads a known contact's address, owner, consent and lifecycle
            # dates, and the columns the file may change; building whole contacts (every
            # column, every date parsed) cost more than the update itself.
            columns = {f.name for f in Contact._meta.concrete_fields}
            mapped = self.mapped_fields | {"first_name", "last_name"}
            self._known_contacts = Contact.objects.only(*(BATCH_READS | (mapped & columns)))

    # --- lookups ------------------------------------------------------------------
    def prefetch(self, rows: list[CleanRow]) -> None:
        """Warm the caches for a batch with a few queries instead of one per row.

        Contacts are looked up afresh for each batch (the batches before it are committed):
        keeping every contact of a 100,000-row file made each garbage collection walk them
        all, and the import slowed as it went.
        """
        self._contacts = {}
        emails: set[str] = set()
        names: set[str] = set()
        domains: set[str] = set()
        tags: set[str] = set()
        for row in rows:
            values = row.values
            tags.update(values.get("tags") or ())
            email = values.get("email") or values.get("contact_email")
            if email:
                emails.add(email)
            name = values.get("company") or (
                values.get("name") if self.job.kind == ImportKind.COMPANIES else None
            )
            if name:
                names.add(name.lower())
            if values.get("domain"):
                domains.add(values["domain"])
        self._load(self._contacts, emails, self._known_contacts, "email")
        self._load(self._companies_by_name, names, Company.objects.all(), "name")
        self._load(self._companies_by_domain, domains, Company.objects.all(), "domain")
        missing_tags = sorted(name for name in tags if name not in self._tags)
        self._tags.update(tags_by_name(missing_tags))
        self.references.prefetch(self.job.kind, rows)

    @staticmethod
    def _load(cache: dict, keys: set[str], queryset, field: str) -> None:
        missing = sorted(k for k in keys if k not in cache)
        for start in range(0, len(missing), LOOKUP_CHUNK):
            chunk = missing[start : start + LOOKUP_CHUNK]
            for key in chunk:
                cache[key] = None
            found = (
                queryset.annotate(lookup_key=Lower(field))
                .filter(text_in(queryset.model, field, chunk, lower=True))
                # No key is blank; saying so lets PostgreSQL use the partial index on
                # LOWER(email) (contact_email_unique_ci) instead of scanning every contact.
                .exclude(**{field: ""})
                .order_by("-pk")
            )
            # Ordered newest first so the oldest (the original) ends up in the cache.
            for obj in found:
                cache[obj.lookup_key] = obj

    def _get(self, cache: dict, key: str, queryset, field: str):
        if key not in cache:
            self._load(cache, {key}, queryset, field)
        self._touched.append((cache, key))
        return cache[key]

    def _remember(self, cache: dict, key: str, obj) -> None:
        cache[key] = obj
        self._touched.append((cache, key))

    def row_succeeded(self) -> None:
        self._touched = []

    def row_failed(self) -> None:
        """Forget what the rolled-back row looked up or created: it may be stale now."""
        for cache, key in self._touched:
            cache.pop(key, None)
        self._touched = []

    def contact_by_email(self, email: str) -> Contact | None:
        return self._get(self._contacts, email.lower(), Contact.objects.all(), "email")

    def company_by_name(self, name: str) -> Company | None:
        return self._get(self._companies_by_name, name.lower(), Company.objects.all(), "name")

    def company_by_domain(self, domain: str) -> Company | None:
        return self._get(self._companies_by_domain, domain, Company.objects.all(), "domain")

    # --- shared steps ---------------------------------------------------------------
    def company_for(self, name: str | None) -> Company | None:
        if not name:
            return None
        company = self.company_by_name(name)
        if company is None:
            company = company_create(actor=self.actor, name=name)
            self._remember(self._companies_by_name, name.lower(), company)
        return company

    def tag_for(self, name: str) -> Tag:
        """The tag `name` means (matched without case), created when there is none."""
        tag = self._tags.get(name)
        if tag is None:
            tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        self._remember(self._tags, name, tag)
        return tag

    def add_tags(self, contact: Contact, names: list[str] | None, *, new: bool = False) -> None:
        """Add tags, emitting `contact.tagged` with the import's automate flag.

        Not `contact_set_tags`: it replaces the tag set (an update would drop tags the file
        does not list) and its events always run automation. A contact created by this
        row (`new`) has no tags yet: no need to ask the database.
        """
        if not names:
            return
        existing = set() if new else {t.name.lower() for t in contact.tags.all()}
        for name in names:
            if name.lower() in existing:
                continue
            tag = self.tag_for(name)
            contact.tags.add(tag)
            existing.add(name.lower())
            event_emit(
                kind=DomainEventKind.CONTACT_TAGGED,
                subject=contact,
                actor=self.actor,
                payload={"tag": tag.name},
                automate=self.automate,
            )

    def linked_contact(self, values: dict, *, company: Company | None, required: bool):
        """The contact a deal or purchase row names by email, created when unknown."""
        email = values.get("contact_email")
        if not email:
            if required:
                raise ValidationError({"contact_email": _("This field is required.")})
            return None
        contact = self.contact_by_email(email)
        if contact is not None:
            return contact
        first_name = values.get("contact_first_name")
        if not first_name:
            raise ValidationError(
                {
                    "contact_email": _(
                        "No contact has the email %(email)s; map a first-name column to create one."
                    )
                    % {"email": email}
                }
            )
        contact = contact_create(
            actor=self.actor,
            first_name=first_name,
            last_name=values.get("contact_last_name", ""),
            email=email,
            company=company,
            source=Source.IMPORT,
            automate=self.automate,
        )
        self._remember(self._contacts, email, contact)
        return contact

    def writes_several(self, row: CleanRow) -> bool:
        """Whether writing the row takes more than one service call."""
        if self.job.kind == ImportKind.CONTACTS:
            return bool(row.values.get("company") or row.values.get("tags"))
        return self.job.kind != ImportKind.COMPANIES

    # --- one writer per kind --------------------------------------------------------
    def write(self, row: CleanRow) -> str:
        return getattr(self, f"write_{self.job.kind}")(dict(row.values))

    def write_contacts(self, values: dict) -> str:
        tags = values.pop("tags", None)
        if "company" in values:
            values["company"] = self.company_for(values["company"])
        email = values.get("email")
        existing = self.contact_by_email(email) if email else None
        if existing is not None:
            if not self.update_existing:
                return SKIPPED
            if existing.get_deferred_fields():
                # Read for the batch path (only some columns): contact_update wants it whole.
                existing = Contact.objects.get(pk=existing.pk)
                # A contact was found, so the row has an email.
                self._remember(self._contacts, cast(str, email), existing)
            contact_update(
                contact=existing,
                actor=self.actor,
                data=_filled(values, CONTACT_EDITABLE_FIELDS - {"email"}),
            )
            self.add_tags(existing, tags)
            return UPDATED
        if "source" not in self.mapped_fields:
            values.setdefault("source", Source.IMPORT)
        contact = contact_create(
            actor=self.actor,
            first_name=values.pop("first_name"),
            owner=values.pop("owner", None),
            automate=self.automate,
            **values,
        )
        self.add_tags(contact, tags, new=True)
        if email:
            self._remember(self._contacts, email, contact)
        return CREATED

    # --- the batch path for new contacts ----------------------------------------------
    def depends_on_pending(self, row: CleanRow) -> bool:
        """Whether a row written one by one needs the pending contacts written first."""
        email = row.values.get("email") or row.values.get("contact_email")
        return bool(email) and email in self._pending_emails

    def plan(self, row: CleanRow) -> PendingContact | None:
        """A contact row the batch path can write (or skip); else None.

        None sends the row through the per-row path: a contact not prefetched, a company
        that must be created first, an email already pending in this batch, or an owner
        the actor may not give a new contact to (the per-row path reports the service's
        own reasons).
        """
        if self.job.kind != ImportKind.CONTACTS:
            return None
        values = dict(row.values)
        email = values.get("email")
        if email in self._pending_emails:
            return None
        existing = self._contacts.get(email, 0) if email else None
        if isinstance(existing, int):  # 0
            return None  # not prefetched: the per-row path looks it up
        tags = values.pop("tags", None) or []
        if values.get("company"):
            company = self._companies_by_name.get(values["company"].lower())
            if company is None:
                return None
            values["company"] = company
        planned: PendingContact | None
        if existing is not None:
            planned = self._plan_known(row, existing, values, tags)
        else:
            planned = self._plan_new(row, values, tags)
        if planned is not None and email:
            self._pending_emails.add(email)
        return planned

    def _plan_known(self, row, contact: Contact, values: dict, tags) -> PendingContact:
        """As write_contacts treats a known contact: skipped, or updated by filled cells."""
        if not self.update_existing:
            return PendingContact(row=row, contact=contact, outcome=SKIPPED)
        changes = _filled(values, CONTACT_EDITABLE_FIELDS - {"email"})
        return PendingContact(row=row, contact=contact, outcome=UPDATED, tags=tags, changes=changes)

    def _plan_new(self, row, values: dict, tags) -> PendingContact | None:
        if "source" not in self.mapped_fields:
            values.setdefault("source", Source.IMPORT)
        try:
            contact = contact_build(
                actor=self.actor,
                first_name=values.pop("first_name"),
                owner=values.pop("owner", None),
                **values,
            )
        except (ValidationError, KeyError, TypeError):
            return None
        return PendingContact(row=row, contact=contact, outcome=CREATED, tags=tags)

    def flush(self, pending: list[PendingContact]) -> list[CleanRow]:
        """Write the pending rows together; return the rows left to write one by one.

        On any refusal the batch's savepoint is rolled back and every pending row is
        returned, so the per-row path writes the good ones and reports the others; the
        known contacts the batch changed in memory are forgotten, to be read again.
        """
        self._pending_emails.clear()
        if not pending:
            return []
        new = [item for item in pending if item.outcome == CREATED]
        known = [item for item in pending if item.outcome == UPDATED]
        try:
            # One savepoint for the new tags and the contacts: a refusal undoes both.
            with transaction.atomic():
                if new:
                    contacts_create_many(
                        actor=self.actor,
                        contacts=[item.contact for item in new],
                        tags=[[self.tag_for(name) for name in item.tags] for item in new],
                        automate=self.automate,
                    )
                if known:
                    contacts_update_many(
                        actor=self.actor,
                        contacts=[item.contact for item in known],
                        changes=[item.changes for item in known],
                        tags=[[self.tag_for(name) for name in item.tags] for item in known],
                        automate=self.automate,
                    )
        except (ValidationError, IntegrityError, DatabaseError):
            self.row_failed()  # forgets the tags it looked up or created
            for item in new:
                item.contact.pk = None
            for item in known:
                self._contacts.pop(item.contact.email.lower(), None)
            return [item.row for item in pending]
        self._touched = []
        for item in new:
            email = item.contact.email
            if email:
                self._contacts[email] = item.contact
        return []

    def write_companies(self, values: dict) -> str:
        domain = values.get("domain")
        # Matched by domain; a row without one falls back to the exact name.
        if domain:
            existing = self.company_by_domain(domain)
        else:
            existing = self.company_by_name(values["name"])
        if existing is not None:
            if not self.update_existing:
                return SKIPPED
            company_update(company=existing, actor=self.actor, data=_filled(values, COMPANY_FIELDS))
            return UPDATED
        company = company_create(
            actor=self.actor, name=values.pop("name"), owner=values.pop("owner", None), **values
        )
        if domain:
            self._remember(self._companies_by_domain, domain, company)
        self._remember(self._companies_by_name, company.name.lower(), company)
        return CREATED

    def write_deals(self, values: dict) -> str:
        company = self.company_for(values.pop("company", None))
        contact = self.linked_contact(values, company=company, required=False)
        for key in ("contact_email", "contact_first_name", "contact_last_name"):
            values.pop(key, None)
        if company is None and contact is not None and "company" not in self.mapped_fields:
            company = contact.company
        deal_create(
            actor=self.actor,
            contact=contact,
            company=company,
            automate=self.automate,
            **values,
        )
        return CREATED

    def write_purchases(self, values: dict) -> str:
        company = self.company_for(values.pop("company", None))
        contact = self.linked_contact(values, company=company, required=True)
        for key in ("contact_email", "contact_first_name", "contact_last_name"):
            values.pop(key, None)
        if company is not None:
            values["company"] = company
        purchase_record(actor=self.actor, contact=contact, automate=self.automate, **values)
        return CREATED

    def write_leads(self, values: dict) -> str:
        contact = self.linked_contact(values, company=None, required=True)
        for key in LINKED_CONTACT_KEYS:
            values.pop(key, None)
        values.update(self.references.resolve(ImportKind.LEADS, values))
        if "source" not in self.mapped_fields:
            values.setdefault("source", Source.IMPORT)
        lead_create(
            actor=self.actor,
            contact=contact,
            owner=values.pop("owner", None),
            automate=self.automate,
            **values,
        )
        return CREATED

    def write_activities(self, values: dict) -> str:
        values.update(self.references.resolve(ImportKind.ACTIVITIES, values))
        contact = self.linked_contact(values, company=None, required=False)
        for key in LINKED_CONTACT_KEYS:
            values.pop(key, None)
        if contact is not None:
            values["contact"] = contact
        # activity_create emits no event: there is no automation to hold back.
        activity_create(
            actor=self.actor,
            kind=values.pop("kind"),
            subject=values.pop("subject"),
            assignee=values.pop("assignee", None),
            **values,
        )
        return CREATED

    def write_tickets(self, values: dict) -> str:
        company = self.company_for(values.pop("company", None))
        contact = self.linked_contact(values, company=company, required=False)
        for key in LINKED_CONTACT_KEYS:
            values.pop(key, None)
        if company is None and contact is not None and "company" not in self.mapped_fields:
            company = contact.company
        assignee = values.get("assignee")
        if assignee is not None and not assignee.has_role(*TICKET_ASSIGNEE_ROLES):
            # ticket_assign's rule: tickets go to the roles that work them.
            raise ValidationError(
                {"assignee": _("Tickets go to an active support agent or manager.")}
            )
        # The SLA due time is derived from the priority and the opening time by the service.
        ticket_open(
            actor=self.actor,
            subject=values.pop("subject"),
            contact=contact,
            company=company,
            automate=self.automate,
            **values,
        )
        return CREATED
