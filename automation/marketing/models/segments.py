from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.limits import LimitedTextField
from crm.models import TimeStampedModel


class SegmentMatch(models.TextChoices):
    ALL = "all", _("all conditions")
    ANY = "any", _("any condition")


class Segment(TimeStampedModel):
    """A saved contact filter, compiled to a queryset (see `automation.marketing.segmenting`)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = LimitedTextField(_("description"), blank=True)
    match = models.CharField(
        _("match"), max_length=3, choices=SegmentMatch.choices, default=SegmentMatch.ALL
    )
    # [{"field": "tag", "operator": "has", "value": "vip"}, …]; validated on save.
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self):
        return self.name

    def clean(self):
        from automation.marketing.segmenting import check_segment_conditions

        self.conditions = check_segment_conditions(self.conditions)
