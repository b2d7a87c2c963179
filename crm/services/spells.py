"""Customer spells: a contact's history as a customer, kept the way stage history is.

A spell is one stretch as a customer (`CustomerSpell`: started_at, ended_at = churned at,
open while still a customer). History is added to, not rewritten:

- a purchase after the last churn (a re-activation) opens a new spell; the churn stays;
- a purchase before the first spell moves the first spell's start back (the earliest
  purchase defines it, whatever the order purchases are recorded in);
- a purchase inside a spell changes nothing; one in the gap between two spells moves the
  later spell's start back to it.

`Contact.customer_since` (start of the first spell) and `Contact.churned_at` (end of the
last spell, None while it is open) are derived from the spells. An edit of those two
fields (a form, the API, an import, the demo) is a correction of the first start and the
last end, and the spells follow it (`customer_spells_follow`).
"""

from datetime import datetime

from crm.models import Contact, CustomerSpell, Lifecycle


def _spells(contact: Contact) -> list[CustomerSpell]:
    return list(
        CustomerSpell.objects.select_for_update().filter(contact=contact).order_by("started_at")
    )


def _derive(contact: Contact, spells: list[CustomerSpell]) -> None:
    contact.customer_since = spells[0].started_at if spells else None
    contact.churned_at = spells[-1].ended_at if spells else None


def customer_spell_open(*, contact: Contact, at: datetime) -> bool:
    """A purchase (or a won deal) at `at`: the contact is a customer at that moment.

    Returns True when the purchase opened a new spell (first or re-activation). Sets the
    contact's derived `customer_since` / `churned_at`; the caller saves the contact.
    """
    spells = _spells(contact)
    opened = False
    if not spells:
        spells = [CustomerSpell.objects.create(contact=contact, started_at=at, first=True)]
        opened = True
    elif at < spells[0].started_at:
        spells[0].started_at = at
        spells[0].save(update_fields=["started_at"])
    elif not any(s.started_at <= at and (s.ended_at is None or at <= s.ended_at) for s in spells):
        later = [s for s in spells if s.started_at > at]
        if later:
            later[0].started_at = at
            later[0].save(update_fields=["started_at"])
        else:
            spells.append(CustomerSpell.objects.create(contact=contact, started_at=at))
            opened = True
    _derive(contact, spells)
    return opened


def customer_spell_withdraw(*, contact: Contact, started_at: datetime) -> None:
    """Undo a re-activation that a reversed purchase opened: its spell goes, the churn
    before it stands again. Sets the derived fields; the caller saves the contact."""
    spells = _spells(contact)
    last = spells[-1] if spells else None
    if last is not None and not last.first and last.started_at == started_at:
        last.delete()
        spells.pop()
    _derive(contact, spells)


def customer_spells_follow(contact: Contact) -> None:
    """Make the spells agree with `customer_since` / `churned_at` as edited on the contact.

    The first spell starts at `customer_since`, the last ends at `churned_at`; spells wholly
    outside that stretch are dropped; no `customer_since` means no spells.
    """
    spells = _spells(contact)
    since, churned = contact.customer_since, contact.churned_at
    if since is None:
        CustomerSpell.objects.filter(contact=contact).delete()
        return
    kept = [
        s
        for s in spells
        if (s.ended_at is None or s.ended_at >= since)
        and (churned is None or s.started_at <= churned)
    ]
    dropped = [s.pk for s in spells if s not in kept]
    if dropped:
        CustomerSpell.objects.filter(pk__in=dropped).delete()
    if not kept:
        CustomerSpell.objects.create(
            contact=contact, started_at=since, ended_at=churned, first=True
        )
        return
    first, last = kept[0], kept[-1]
    if first.started_at != since or not first.first:
        CustomerSpell.objects.filter(contact=contact, first=True).exclude(pk=first.pk).update(
            first=False
        )
        first.started_at, first.first = since, True
        first.save(update_fields=["started_at", "first"])
    if last.ended_at != churned:
        last.ended_at = churned
        last.save(update_fields=["ended_at"])


def customer_spells_absorb(*, contact: Contact, other: Contact) -> None:
    """A merge: `contact` takes over `other`'s customer history.

    The merged person was a customer whenever either record was, so the new spells are the
    union of both records' spells (spells that overlap or touch become one; the earliest is
    the first). `other`'s spells go. Sets the derived fields, and the lifecycle when there
    is history (customer while a spell is open, else churned); the caller saves the contact.
    """
    rows = list(
        CustomerSpell.objects.select_for_update()
        .filter(contact__in=[contact, other])
        .order_by("started_at", "id")
    )
    stretches: list[tuple[datetime, datetime | None]] = []
    for spell in rows:
        last = stretches[-1] if stretches else None
        if last is not None and (last[1] is None or spell.started_at <= last[1]):
            last_end = (
                None if last[1] is None or spell.ended_at is None else max(last[1], spell.ended_at)
            )
            stretches[-1] = (last[0], last_end)
        else:
            stretches.append((spell.started_at, spell.ended_at))
    CustomerSpell.objects.filter(pk__in=[spell.pk for spell in rows]).delete()
    spells = CustomerSpell.objects.bulk_create(
        CustomerSpell(contact=contact, started_at=start, ended_at=end, first=not i)
        for i, (start, end) in enumerate(stretches)
    )
    _derive(contact, spells)
    if spells:
        contact.lifecycle = Lifecycle.CUSTOMER if spells[-1].ended_at is None else Lifecycle.CHURNED


__all__ = [
    "customer_spell_open",
    "customer_spell_withdraw",
    "customer_spells_absorb",
    "customer_spells_follow",
]
