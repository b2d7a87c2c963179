"""The lead-scoring model marketing edits, each contact's score and the one-time handoff."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import MAX_DAYS, MAX_HOURS, RangedDateTimeField
from crm.models import TimeStampedModel


class ScoringModel(TimeStampedModel):
    """The one scoring configuration (row id 1): threshold, decay and the overall cap."""

    threshold = models.PositiveIntegerField(
        _("qualification threshold"),
        default=50,
        help_text=_("A lead reaching this score is handed to sales, once."),
    )
    half_life_days = models.PositiveIntegerField(
        _("behaviour half-life (days)"),
        default=30,
        help_text=_("Behaviour points halve every this many days; 0 means they never decay."),
        validators=[MaxValueValidator(MAX_DAYS)],
    )
    lookback_days = models.PositiveIntegerField(
        _("look back (days)"),
        default=365,
        help_text=_("Older behaviour scores nothing."),
        validators=[MaxValueValidator(MAX_DAYS)],
    )
    max_score = models.PositiveIntegerField(_("maximum score"), default=100)
    handoff_team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("hand off to team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Round robin over this team's reps; empty means every active rep."),
    )
    followup_due_hours = models.PositiveIntegerField(
        _("follow-up due in (hours)"), default=24, validators=[MaxValueValidator(MAX_HOURS)]
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("lead-scoring model")
        verbose_name_plural = _("lead-scoring models")
        constraints = [
            models.CheckConstraint(condition=Q(max_score__gte=1), name="scoring_max_positive"),
            models.CheckConstraint(
                condition=Q(lookback_days__gte=1), name="scoring_lookback_positive"
            ),
        ]

    def __str__(self):
        return str(_("Lead-scoring model"))


class RuleKind(models.TextChoices):
    ATTRIBUTE = "attribute", _("Attribute")
    BEHAVIOUR = "behaviour", _("Behaviour")


class ScoringRule(TimeStampedModel):
    """Points for an attribute (income band is high) or per behaviour (each website visit)."""

    kind = models.CharField(_("kind"), max_length=10, choices=RuleKind.choices)
    # An attribute key of `automation.marketing.scoring.ATTRIBUTES` or a behaviour key of
    # `BEHAVIOURS`; checked in clean().
    field = models.CharField(_("attribute or behaviour"), max_length=40)
    value = models.CharField(
        _("value"),
        max_length=120,
        blank=True,
        help_text=_("For attributes: the value to match (for age, a range such as 30-50)."),
    )
    points = models.IntegerField(_("points"))
    cap = models.PositiveIntegerField(
        _("cap"),
        null=True,
        blank=True,
        help_text=_("At most this many points from this rule (behaviours add up)."),
    )

    class Meta:
        ordering = ["kind", "field", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=-1000, points__lte=1000), name="scoring_points_in_range"
            )
        ]

    def __str__(self):
        return f"{self.field} {self.value} {self.points:+d}"

    def clean(self):
        from automation.marketing.scoring import check_scoring_rule

        check_scoring_rule(self)


class ContactScore(models.Model):
    """A contact's current score and the moment it was computed."""

    contact = models.OneToOneField(
        "crm.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="marketing_score",
    )
    # The one stored lead score of the contact (mirrored onto every lead of theirs):
    # the scoring rules' points plus `adjustment`, kept within 0..max_score.
    score = models.IntegerField(_("score"), default=0, db_index=True)
    # Points set by hand, by an import or by a "change lead score" rule, on top of the
    # rules: a lead score typed in stays what was typed, and is explained as such.
    adjustment = models.IntegerField(_("adjustment"), default=0)
    computed_at = RangedDateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ["-score", "contact_id"]
        verbose_name = _("contact score")
        verbose_name_plural = _("contact scores")

    def __str__(self):
        return f"{self.contact_id}: {self.score}"


class LeadHandoff(models.Model):
    """The moment scoring handed a lead to sales; one per lead, whatever re-crosses later."""

    lead = models.OneToOneField(
        "crm.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, related_name="handoff"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales owner"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activity = models.ForeignKey(
        "crm.Activity",
        verbose_name=_("follow-up task"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    score = models.IntegerField(_("score"))
    created_at = RangedDateTimeField(_("handed off at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead handoff")
        verbose_name_plural = _("lead handoffs")

    def __str__(self):
        return f"{self.lead} → {self.owner}"
