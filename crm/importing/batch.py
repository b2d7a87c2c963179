"""Batch equivalents of the CRM service calls an import makes for most of its rows.

`contact_create` costs about eleven queries a contact and `contact_update` about eight
(savepoints, a query per foreign key and per check constraint, the suppression list, the
customer spells, the write and the event). On a 100,000-row file that is the whole cost of
the import. The functions here write a batch of contacts with the same rules and a
handful of queries, whatever the batch's size:

- `contacts_create_many` inserts contacts built by `contact_build` exactly as
  `contact_create` builds them (owner_for_new_record, the lifecycle stamps, consent held
  by the address), with their customer spells and `contact.created` events;
- `contacts_update_many` applies changes as `contact_update` does (who may reassign,
  lifecycle stamps, consent, customer spells) and writes each changed field with one
  `UPDATE … FROM unnest(…)` (a VALUES list as one array a column) per set of changed fields;
- both add tags as the importer adds them (`tags_add_many`: each added tag its
  `contact.tagged` event) and write events in one INSERT (`events_record`), handed to
  automation after commit only when `automate` is true.

Validation. The values come from the importer's cleaner, which has already checked each
cell with the model field's validators, length and choices (crm/importing/cleaning.py);
`contact_build` does not run `full_clean` over them again (it cost a fifth of the import),
nor does `contacts_update_many` run `clean_fields` over the changes.
What the cleaner cannot see is checked per batch: foreign key targets with one query per
foreign key (`foreign_keys_check`; PostgreSQL would only check them at commit, too late
for a savepoint), and check constraints, lengths and uniqueness by the database on the
INSERT or UPDATE itself. When anything is refused, the caller rolls the batch back to its
savepoint and writes the rows one by one through the services, which report each row's
reason.
"""

import json
from collections import defaultdict
from collections.abc import Sequence
from itertools import groupby
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Field, ForeignKey, Model
from django.db.models.expressions import RawSQL
from django.utils import timezone
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
from crm.services.common import owner_change_check, owner_for_new_record
from crm.services.consent import address_suppress

# The lifecycle stamps are contact_create's own rule; reusing the function keeps the two
# paths from drifting apart.
from crm.services.contacts import (
    CONTACT_EDITABLE_FIELDS,
    _consent_follow_address,
    contact_lifecycle_stamp,
)
from crm.services.events import event_dispatch
from crm.services.spells import customer_spells_follow

# contact_update's fields whose change moves the customer spells (customer_spells_follow).
SPELL_FIELDS = {"lifecycle", "customer_since", "churned_at"}


def _column(field: object) -> str:
    """The column of a concrete field from a model's _meta (the stubs type _meta's fields
    and their columns as optional; a concrete field of a ready model has both)."""
    return cast(str, cast("Field[Any, Any]", field).column)


def _foreign_keys(model: type[Model]) -> list[ForeignKey]:
    return [f for f in model._meta.concrete_fields if isinstance(f, ForeignKey)]


def foreign_keys_check(
    instances: Sequence[Model], *, changed: Sequence[set[str]] | None = None
) -> None:
    """What `ForeignKey.validate` checks per row, with one query per foreign key.

    changed[i], if given: the only fields of the saved instances[i] to check (the others
    are as saved, and may not even be read).
    """
    if not instances:
        return
    for field in _foreign_keys(type(instances[0])):
        # Set when the model is ready (the related model's pk name when not given).
        target = cast(str, field.remote_field.field_name)
        if changed is None:
            wanted = {getattr(obj, field.attname) for obj in instances}
        else:
            wanted = {
                getattr(obj, field.attname)
                for obj, names in zip(instances, changed, strict=True)
                if field.name in names
            }
        wanted -= {None}
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
    *,
    kind: str,
    subjects: Sequence[Model],
    actor,
    payloads: Sequence[dict] | None = None,
    occurred_at: Sequence | None = None,
    automate: bool,
) -> list[int]:
    """`event_emit` for many subjects: the same rows, in one INSERT; their ids, ascending.

    payloads[i] and occurred_at[i] (aware datetimes; default now) belong to subjects[i].
    The events are dispatched after commit, in id order, when `automate` is true. One
    `INSERT … SELECT … FROM unnest(…)` with three arrays: building 500 DomainEvent
    instances for bulk_create cost as much as inserting the contacts themselves.
    """
    if not subjects:
        return []
    now = timezone.now()
    payloads = payloads or [{}] * len(subjects)
    occurred_at = occurred_at or [now] * len(subjects)
    column = {f.name: connection.ops.quote_name(_column(f)) for f in DomainEvent._meta.fields}
    table = connection.ops.quote_name(DomainEvent._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({column['kind']}, {column['subject_type']}, "  # noqa: S608
        f"{column['subject_id']}, {column['payload']}, {column['occurred_at']}, "
        f"{column['actor']}, {column['automate']}) "
        "SELECT %s, %s, s.subject_id, s.payload, s.occurred_at, %s, %s "
        "FROM unnest(%s::bigint[], %s::jsonb[], %s::timestamptz[]) "
        "WITH ORDINALITY AS s(subject_id, payload, occurred_at, n) ORDER BY s.n "
        f"RETURNING {column['id']}"
    )
    params = [
        kind,
        subjects[0]._meta.model_name,
        actor.pk if actor is not None and actor.pk else None,
        automate,
        [subject.pk for subject in subjects],
        [json.dumps(payload or {}) for payload in payloads],
        list(occurred_at),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = sorted(row[0] for row in cursor.fetchall())
    if automate:
        transaction.on_commit(lambda: _dispatch_all(ids))
    return ids


def _dispatch_all(event_ids: list[int]) -> None:
    for event_id in event_ids:
        event_dispatch(event_id=event_id)


def rows_update(model: type[Model], instances: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of each saved instance, matched by pk, in one statement.

    `UPDATE … FROM unnest(%s, …) AS v(…) WHERE t.pk = v.pk`: the VALUES list of
    `UPDATE … FROM (VALUES …)` given as one array per column, so the statement has a
    parameter per column, not per cell (psycopg parses a statement's placeholders in
    Python: for 1,000 rows that took longer than the UPDATE). No validation, no signals,
    as `QuerySet.bulk_update`, whose CASE WHEN per row and field costs far more.
    """
    if not instances or not fields:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    columns = cast("list[Field[Any, Any]]", [meta.pk, *(meta.get_field(name) for name in fields)])
    arrays = ", ".join(f"%s::{c.cast_db_type(connection)}[]" for c in columns)
    names = ", ".join(quote(_column(c)) for c in columns)
    assignments = ", ".join(f"{quote(_column(c))} = v.{quote(_column(c))}" for c in columns[1:])
    table, pk = quote(meta.db_table), quote(_column(meta.pk))
    params = [_db_values(c, [getattr(obj, c.attname) for obj in instances]) for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 (names from _meta)
            f"FROM unnest({arrays}) AS v({names}) WHERE t.{pk} = v.{pk}",
            params,
        )


def _db_values(field, values: list) -> list:
    """The values as the database takes them; a value shared by every row (the batch's
    `updated_at`) is converted once."""
    first = values[0]
    if all(value is first for value in values):
        return [field.get_db_prep_save(first, connection)] * len(values)
    return [field.get_db_prep_save(value, connection) for value in values]


def text_in(model: type[Model], field_name: str, values, *, lower: bool = False) -> RawSQL:
    """A filter: the text field (LOWER of it, if `lower`) is one of `values`.

    `= ANY(%s)` with one array parameter, where `field__in` writes a placeholder per
    value: for a batch's thousand addresses, building and parsing that statement cost
    more than running it.
    """
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(_column(model._meta.get_field(field_name)))}"
    if lower:
        column = f"LOWER({column})"
    sql = f"{column} = ANY(%s::text[])"  # names from _meta; the values are a parameter
    return RawSQL(sql, [list(values)], output_field=BooleanField())  # noqa: S611


def contact_build(*, actor, first_name: str, owner=None, **fields) -> Contact:
    """The unsaved contact `contact_create` would save, from cleaned values (module doc).

    Raises ValidationError when `actor` may not give the contact to `owner`.
    """
    contact = Contact(
        first_name=first_name, owner=owner_for_new_record(actor=actor, owner=owner), **fields
    )
    contact_lifecycle_stamp(contact)
    return contact


def _suppressed_addresses(contacts: Sequence[Contact]) -> set[str]:
    """The normalised addresses of `contacts` on the suppression list (one query)."""
    emails = {email_normalize(c.email) for c in contacts if c.email}
    if not emails:
        return set()
    matching = SuppressedAddress.objects.filter(text_in(SuppressedAddress, "email", emails))
    return set(matching.values_list("email", flat=True))


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
    constraint or a duplicate address IntegrityError, and nothing of the batch stays
    written. `tags[i]` are added to `contacts[i]` (`tags_add_many`). Each contact's
    `contact.created` event occurs at its `created_at`, as contact_create's does.
    """
    if not contacts:
        return []
    if any(contact.pk is not None for contact in contacts):
        raise ValidationError(_("Only new contacts can be created in a batch."))
    foreign_keys_check(contacts)
    # Consent belongs to the address: an imported contact with a suppressed one is opted out.
    suppressed = _suppressed_addresses(contacts)
    for contact in contacts:
        if contact.email and email_normalize(contact.email) in suppressed:
            contact.opted_out = True
    created = Contact.objects.bulk_create(contacts)
    # Their customer history as customer_spells_follow would write it: one spell each.
    CustomerSpell.objects.bulk_create(
        CustomerSpell(contact=c, started_at=c.customer_since, ended_at=c.churned_at, first=True)
        for c in created
        if c.customer_since is not None
    )
    events_record(
        kind=DomainEventKind.CONTACT_CREATED,
        subjects=created,
        actor=actor,
        occurred_at=[c.created_at for c in created],
        automate=automate,
    )
    if tags is not None and any(tags):
        tags_add_many(actor=actor, contacts=created, tags=tags, automate=automate, new=True)
    return created


# The fields a row may change (the importer matches a contact by its address; changing
# that is contact_update's), and which of them are foreign keys (compared by id).
_CHANGEABLE = CONTACT_EDITABLE_FIELDS - {"email"}
_FOREIGN_KEY_IDS = {f.name: f.attname for f in _foreign_keys(Contact)}


def _changes_apply(contact: Contact, changes: dict) -> set[str]:
    """`apply_fields` comparing foreign keys by id (no query per row for the old record)."""
    unknown = changes.keys() - _CHANGEABLE
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    changed = set()
    for name, value in changes.items():
        attname = _FOREIGN_KEY_IDS.get(name)
        if attname is not None:
            old, new = getattr(contact, attname), value.pk if value is not None else None
        else:
            old, new = getattr(contact, name), value
        if old != new:
            setattr(contact, name, value)
            changed.add(name)
    return changed


def _contact_change(actor, contact: Contact, changes: dict, suppressed: set[str]) -> set[str]:
    """Apply one row's changes as contact_update does; the fields to write ({} if none).

    The values are the cleaner's, already checked as `clean_fields` would (module doc);
    the fields derived here (the lifecycle stamps, the consent flag) are dates and a flag
    the check constraints guard.
    """
    if "owner" in changes and (changes["owner"] and changes["owner"].pk) != contact.owner_id:
        owner_change_check(actor=actor, owner=changes["owner"])
    was_opted_out = contact.opted_out
    changed = _changes_apply(contact, changes)
    written = set(changed)
    if "lifecycle" in changed:
        contact_lifecycle_stamp(contact)
        written |= {"customer_since", "churned_at"}
    if contact.email and email_normalize(contact.email) in suppressed:
        # Clearing the flag of a suppressed address is refused, with contact_update's
        # reason (one query, for this rare row only); otherwise the flag stays set.
        _consent_follow_address(contact, actor=actor, asked="opted_out" in changed)
    if contact.opted_out != was_opted_out:
        written.add("opted_out")
    return written


@transaction.atomic
def contacts_update_many(
    *,
    actor,
    contacts: Sequence[Contact],
    changes: Sequence[dict],
    tags: Sequence[Sequence[Tag]] | None = None,
    automate: bool,
) -> list[Contact]:
    """`contact_update` for many saved contacts: `changes[i]` ({field: value}) to `contacts[i]`.

    The values are cleaned ones (the importer's cleaner; module doc). As contact_update:
    a reassignment the actor may not make or an unknown field raises ValidationError, a
    value too long or a refused check constraint IntegrityError; a suppressed address
    keeps its contact opted out; the customer spells follow a changed lifecycle or
    customer dates; opting a contact out puts the address on the suppression list. Each
    contact's changed fields are written with `rows_update` (one statement per set of
    changed fields, `updated_at` with them); a contact nothing changed on is not written.
    `tags[i]` are added to `contacts[i]` (`tags_add_many`). All or nothing: on any error
    nothing is written, but the instances keep the changes, so the caller must read them
    again. Returns the contacts that changed.
    """
    if len(changes) != len(contacts):
        raise ValueError("one change set per contact")
    suppressed = _suppressed_addresses(contacts)
    now = timezone.now()
    was_opted_out = {contact.pk: contact.opted_out for contact in contacts}
    written = {}
    for contact, contact_changes in zip(contacts, changes, strict=True):
        fields = _contact_change(actor, contact, contact_changes, suppressed)
        if fields:
            contact.updated_at = now
            written[contact.pk] = (contact, tuple(sorted(fields | {"updated_at"})))
    changed = [contact for contact, _fields in written.values()]
    foreign_keys_check(changed, changed=[set(fields) for _contact, fields in written.values()])
    by_fields = sorted(written.values(), key=lambda item: item[1])
    for fields, group in groupby(by_fields, key=lambda item: item[1]):
        rows_update(Contact, [contact for contact, _fields in group], fields)
    _spells_follow_many(
        [contact for contact, fields in written.values() if SPELL_FIELDS & set(fields)]
    )
    for contact in changed:
        if contact.opted_out and not was_opted_out[contact.pk] and contact.email:
            # Rare (a file of opt-outs): the address's own service, row by row.
            note = _("Marked opted out by %(user)s.") % {"user": actor} if actor else ""
            address_suppress(
                email=contact.email, reason="unsubscribe", actor=actor, contact=contact, note=note
            )
    if tags is not None and any(tags):
        tags_add_many(actor=actor, contacts=contacts, tags=tags, automate=automate, new=False)
    return changed


def _spells_follow_many(contacts: Sequence[Contact]) -> None:
    """`customer_spells_follow` for many contacts: a contact without spells gets its first
    in one INSERT for all; one that has spells is followed by the service itself."""
    if not contacts:
        return
    # Unordered: the model's ordering by contact would join (and lock) the contacts too.
    with_spells = set(
        CustomerSpell.objects.select_for_update()
        .filter(contact__in=contacts)
        .order_by()
        .values_list("contact_id", flat=True)
    )
    CustomerSpell.objects.bulk_create(
        CustomerSpell(contact=c, started_at=c.customer_since, ended_at=c.churned_at, first=True)
        for c in contacts
        if c.pk not in with_spells and c.customer_since is not None
    )
    for contact in contacts:
        if contact.pk in with_spells:
            customer_spells_follow(contact)


def tags_add_many(
    *,
    actor,
    contacts: Sequence[Contact],
    tags: Sequence[Sequence[Tag]],
    automate: bool,
    new: bool,
) -> int:
    """Add tags[i] to contacts[i] as the importer adds them; return how many were added.

    A tag is skipped when the contact already has one of that name (letter case aside) or
    that tag; each added tag is a `contact.tagged` event (payload {"tag": name}). Never
    removes a tag. `new`: the contacts were just created and have none (no query).
    """
    had: dict[int, set] = defaultdict(set)
    if not new:
        wanted = [c.pk for c, contact_tags in zip(contacts, tags, strict=False) if contact_tags]
        current = Contact.tags.through.objects.filter(contact_id__in=wanted)
        for contact_id, tag_id, name in current.values_list("contact_id", "tag_id", "tag__name"):
            had[contact_id] |= {tag_id, name.lower()}
    links, tagged, payloads = [], [], []
    for contact, contact_tags in zip(contacts, tags, strict=False):
        seen = had[contact.pk]
        for tag in contact_tags:
            if tag.pk in seen or tag.name.lower() in seen:
                continue
            seen |= {tag.pk, tag.name.lower()}
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
    return len(links)


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
        candidates[tag.wanted].append(tag)  # type: ignore[attr-defined]  # the query's own column
    for name, tags in candidates.items():
        found[name] = tags[0]
    return found
