"""Automation rules, their run log, campaign enrollments and the email outbox.

A rule's definition (triggers, conditions, actions) is JSON validated against the
registries in `automation.triggers`, `automation.conditions` and `automation.actions`,
so the rule builder, the API and the engine agree on what a valid rule is.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import LimitedTextField, RangedDateTimeField
from crm.models import TimeStampedModel


class Match(models.TextChoices):
    ALL = "all", _("all conditions")
    ANY = "any", _("any condition")


class Firing(models.TextChoices):
    """When a rule on a change (value, stage, score) acts again for the same record."""

    BECOMES_TRUE = (
        "becomes_true",
        _("When the conditions become true — not again while they stay true"),
    )
    EVERY_EVENT = "every_event", _("On every change, even if the conditions already held")
    ONCE_PER_RECORD = "once_per_record", _("Only once per record, ever")


class RuleQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True)


class Rule(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    description = LimitedTextField(_("description"), blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Event kinds (crm.models.DomainEventKind values) that start the rule; all of them
    # concern the same kind of record, so conditions and actions mean the same thing.
    triggers = models.JSONField(_("triggers"), default=list)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    # A $600 deal edited to 650 then 700 should not be called about three times: by
    # default a change fires the rule only when it makes the conditions true.
    fires = models.CharField(
        _("fires"), max_length=20, choices=Firing.choices, default=Firing.BECOMES_TRUE
    )
    # [{"field": "value", "operator": "gt", "value": "500"}, ...]
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    # Ordered: [{"type": "create_task", "params": {...}}, ...]
    actions = models.JSONField(_("actions"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RuleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")

    def __str__(self):
        return self.name

    @property
    def trigger_labels(self) -> list[str]:
        """The triggers in the reader's words ("Deal created"); an unknown kind as stored."""
        from .triggers import TRIGGERS

        return [str(TRIGGERS[k].label) if k in TRIGGERS else k for k in self.triggers]

    def clean(self):
        from .validation import check_rule_definition

        check_rule_definition(
            triggers=self.triggers,
            match=self.match,
            conditions=self.conditions,
            actions=self.actions,
        )


class RunStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    SKIPPED = "skipped", _("Conditions not met")
    FAILED = "failed", _("Failed")


class Run(models.Model):
    """One evaluation of one rule for one domain event: the run log and the idempotence key.

    The row is written in the same transaction as the rule's actions, so an action never
    exists without its run, and a retry or redelivery that finds the row does nothing.
    """

    rule = models.ForeignKey(
        Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="runs"
    )
    event = models.ForeignKey(
        "crm.DomainEvent", verbose_name=_("event"), on_delete=models.CASCADE, related_name="+"
    )
    event_kind = models.CharField(_("event"), max_length=40)
    subject_type = models.CharField(_("record type"), max_length=40)
    subject_id = models.BigIntegerField(_("record id"))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices)
    summary = models.CharField(_("outcome"), max_length=500, blank=True)
    # What the actions did, e.g. [{"action": "create_task", "activity": 12, "assignee": 3}].
    outcome = models.JSONField(_("details"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    started_at = RangedDateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = RangedDateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        constraints = [
            models.UniqueConstraint(fields=["rule", "event"], name="run_once_per_rule_and_event")
        ]
        indexes = [
            models.Index(fields=["rule", "status", "started_at"]),
            models.Index(fields=["rule", "subject_type", "subject_id", "started_at"]),
            # The record's recent successes, whichever rule (the engine's history read).
            models.Index(
                fields=["subject_type", "subject_id", "started_at"],
                condition=models.Q(status=RunStatus.SUCCEEDED),
                name="run_success_on_record",
            ),
        ]

    def __str__(self):
        return f"{self.rule} · {self.event_kind} #{self.subject_id} · {self.status}"


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    EXITED = "exited", _("Exited")


class ExitReason(models.TextChoices):
    DEAL_WON = "deal_won", _("Deal won")
    REPLIED = "replied", _("Replied")
    OPTED_OUT = "opted_out", _("Opted out")
    MANUAL = "manual", _("Removed by hand")


class Enrollment(models.Model):
    """A contact's passage through a campaign; at most one active one per campaign."""

    campaign = models.ForeignKey(
        "crm.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ACTIVE,
    )
    enrolled_at = RangedDateTimeField(_("enrolled at"), default=timezone.now, db_index=True)
    exited_at = RangedDateTimeField(_("exited at"), null=True, blank=True)
    exit_reason = models.CharField(
        _("exit reason"), max_length=20, choices=ExitReason.choices, blank=True
    )
    # The rule run that enrolled the contact, if a rule did.
    run = models.ForeignKey(
        Run,
        verbose_name=_("enrolled by run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrollments",
    )

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "contact"],
                condition=Q(status="active"),
                name="enrollment_one_active_per_campaign_contact",
            ),
            models.CheckConstraint(
                condition=Q(status="active", exited_at__isnull=True)
                | (~Q(status="active") & Q(exited_at__isnull=False)),
                name="enrollment_exited_at_iff_not_active",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self):
        return f"{self.contact} · {self.campaign}"


class RoundRobinCursor(models.Model):
    """Where a round robin stands: the next pick is the pool member after `last_user_id`.

    Locked with select_for_update in the run's transaction, so concurrent workers take
    turns instead of handing two records to the same person.
    """

    key = models.CharField(_("key"), max_length=120, unique=True)
    last_user_id = models.BigIntegerField(_("last user"), null=True, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("round-robin cursor")
        verbose_name_plural = _("round-robin cursors")

    def __str__(self):
        return self.key


class OutboundEmail(models.Model):
    """An email a rule decided to send, written with its run and sent after commit.

    Mail cannot join a database transaction; recording it first and marking it sent
    afterwards means a retried run never sends twice and a lost hand-over is swept up.
    """

    run = models.ForeignKey(
        Run,
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    # Set on email to a contact: announced in List-Unsubscribe (RFC 8058) and the footer.
    unsubscribe_url = models.URLField(_("unsubscribe URL"), max_length=500, blank=True)
    created_at = RangedDateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = RangedDateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")

    def __str__(self):
        return f"{self.to}: {self.subject}"
