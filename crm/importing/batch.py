"""Batch equivalents of the CRM service calls an import makes for most of its rows.

`contact_create` costs about eleven queries a contact: a savepoint, a query to check the
owner exists, one savepoint-wrapped query per check constraint, the INSERT and the event's
INSERT. On a 100,000-row file that is the whole cost of the import. The functions here
write a batch of new contacts with the same rules and a handful of queries:

- each contact is built exactly as `contact_create` builds it (owner_for_new_record, the
  lifecycle stamps) and validated with `full_clean` in Python: fields, choices, lengths,
  `clean()`, unique checks;
- the two checks `full_clean` would otherwise run as a query per row are done per batch:
  foreign key targets are checked with one query per foreign key, and the model's check
  constraints are enforced by the database on the INSERT itself (the same conditions:
  Django's check is that SQL run on the row's values). When the database refuses, the
  caller rolls the batch back to its savepoint and writes the rows one by one through the
  services, which report each row's reason;
- every contact gets the `contact.created` event `event_emit` would write (same kind,
  subject, actor, payload and automate flag), and each added tag its `contact.tagged`
  event; events reach automation after commit only when `automate` is true.
"""

from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ForeignKey, Model
from django.utils.translation import gettext as _

from crm.models import (
    Contact,
    CustomerSpell,
    DomainEvent,
    DomainEventKind,
    SuppressedAddress,
    Tag,
    email_normalize,
)
from crm.services.common import owner_for_new_record

# The lifecycle stamps are contact_create's own rule; reusing the function keeps the two
# paths from drifting apart.
from crm.services.contacts import contact_lifecycle_stamp
from crm.services.events import event_dispatch


def _foreign_keys(model: type[Model]) -> list[ForeignKey]:
    return [f for f in model._meta.concrete_fields if isinstance(f, ForeignKey)]


def instance_build_check(instance: Model) -> Model:
    """`full_clean` without its per-row queries (foreign keys, check constraints).

    Those two are done for the whole batch by `foreign_keys_check` and by the database
    on insert; everything else `full_clean` checks is checked here, row by row.
    """
    exclude = [f.name for f in _foreign_keys(type(instance))]
    instance.full_clean(exclude=exclude, validate_constraints=False)
    return instance


def foreign_keys_check(instances: Sequence[Model]) -> None:
    """What `ForeignKey.validate` checks per row, with one query per foreign key."""
    if not instances:
        return
    for field in _foreign_keys(type(instances[0])):
        target = field.remote_field.field_name
        wanted = {getattr(obj, field.attname) for obj in instances} - {None}
        if not wanted:
            continue
        queryset = field.remote_field.model._base_manager.filter(**{f"{target}__in": wanted})
        queryset = queryset.complex_filter(field.get_limit_choices_to())
        found = set(queryset.values_list(target, flat=True))
        missing = sorted(wanted - found)
        if missing:
            raise ValidationError(
                {
                    field.name: field.error_messages["invalid"]
                    % {
                        "model": field.remote_field.model._meta.verbose_name,
                        "pk": missing[0],
                        "field": target,
                        "value": missing[0],
                    }
                }
            )


def events_record(
    *, kind: str, subjects: Sequence[Model], actor, payloads=None, automate: bool
) -> list[DomainEvent]:
    """`event_emit` for many subjects: the same rows, dispatched after commit if asked."""
    actor = actor if actor is not None and actor.pk else None
    payloads = payloads or [None] * len(subjects)
    events = DomainEvent.objects.bulk_create(
        DomainEvent(
            kind=kind,
            subject_type=subject._meta.model_name,
            subject_id=subject.pk,
            actor=actor,
            payload=payload or {},
            automate=automate,
        )
        for subject, payload in zip(subjects, payloads, strict=True)
    )
    if automate:
        ids = [event.pk for event in events]
        transaction.on_commit(lambda: _dispatch_all(ids))
    return events


def _dispatch_all(event_ids: list[int]) -> None:
    for event_id in event_ids:
        event_dispatch(event_id=event_id)


def contact_build(*, actor, first_name: str, owner=None, **fields) -> Contact:
    """The unsaved contact `contact_create` would save, validated (see the module doc)."""
    contact = Contact(
        first_name=first_name, owner=owner_for_new_record(actor=actor, owner=owner), **fields
    )
    contact_lifecycle_stamp(contact)
    return instance_build_check(contact)


@transaction.atomic
def contacts_create_many(
    *,
    actor,
    contacts: Sequence[Contact],
    tags: Sequence[Sequence[Tag]] | None = None,
    automate: bool,
) -> list[Contact]:
    """Insert contacts built by `contact_build`, their events, and add their tags.

    All or nothing: a missing foreign key target raises ValidationError, a refused check
    constraint IntegrityError, and nothing of the batch stays written.
    `tags[i]` are added to `contacts[i]`, each with a `contact.tagged` event, as the
    importer adds tags to a new contact.
    """
    if not contacts:
        return []
    if any(contact.pk is not None for contact in contacts):
        raise ValidationError(_("Only new contacts can be created in a batch."))
    foreign_keys_check(contacts)
    # Consent belongs to the address: an imported contact with a suppressed one is opted out.
    suppressed = set(
        SuppressedAddress.objects.filter(
            email__in={email_normalize(c.email) for c in contacts if c.email}
        ).values_list("email", flat=True)
    )
    for contact in contacts:
        if email_normalize(contact.email) in suppressed:
            contact.opted_out = True
    created = Contact.objects.bulk_create(contacts)
    # Their customer history as customer_spells_follow would write it: one spell each.
    CustomerSpell.objects.bulk_create(
        CustomerSpell(contact=c, started_at=c.customer_since, ended_at=c.churned_at, first=True)
        for c in created
        if c.customer_since is not None
    )
    events_record(
        kind=DomainEventKind.CONTACT_CREATED, subjects=created, actor=actor, automate=automate
    )
    links, tagged, payloads = [], [], []
    for contact, contact_tags in zip(created, tags or [], strict=False):
        seen = set()
        for tag in contact_tags:
            if tag.pk in seen:
                continue
            seen.add(tag.pk)
            links.append(Contact.tags.through(contact_id=contact.pk, tag_id=tag.pk))
            tagged.append(contact)
            payloads.append({"tag": tag.name})
    if links:
        Contact.tags.through.objects.bulk_create(links)
        events_record(
            kind=DomainEventKind.CONTACT_TAGGED,
            subjects=tagged,
            actor=actor,
            payloads=payloads,
            automate=automate,
        )
    return created


def tags_by_name(names: Sequence[str]) -> dict[str, Tag | None]:
    """{name as given: the tag `Tag.objects.filter(name__iexact=name).first()` finds}.

    One query for any number of names; the match is the database's own case folding,
    as `iexact` does it, and the first tag by name wins, as `.first()` orders them.
    """
    found: dict[str, Tag | None] = dict.fromkeys(names)
    if not names:
        return found
    table = Tag._meta.db_table
    candidates = defaultdict(list)
    for tag in Tag.objects.raw(
        f'SELECT DISTINCT t.id, t.name, n.wanted FROM "{table}" t '  # noqa: S608 (table name)
        "JOIN unnest(%s::text[]) AS n(wanted) ON UPPER(t.name) = UPPER(n.wanted) "
        "ORDER BY t.name",
        [list(found)],
    ):
        candidates[tag.wanted].append(tag)
    for name, tags in candidates.items():
        found[name] = tags[0]
    return found
