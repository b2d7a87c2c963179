from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateTimeField


class MergeKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    COMPANY = "company", _("Company")


class MergeLog(models.Model):
    """What a merge of two contacts (or companies) changed, kept so it can be undone.

    Ids rather than foreign keys: the loser is deleted by the merge, and undo re-creates it
    with the same primary key from `loser_data`.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=MergeKind.choices)
    winner_id = models.BigIntegerField(_("kept record"))
    loser_id = models.BigIntegerField(_("merged record"))
    winner_label = models.CharField(_("kept"), max_length=255)
    loser_label = models.CharField(_("merged"), max_length=255)
    # The loser row as Django's JSON serializer wrote it (concrete fields only).
    loser_data = models.JSONField(_("merged record's values"))
    # {field: value before the merge} for every winner field the merge changed.
    winner_before = models.JSONField(_("kept record's previous values"), default=dict)
    # [{"model": "crm.deal", "field": "contact", "ids": [1, 2]}]: rows moved to the winner.
    repointed = models.JSONField(_("moved rows"), default=list)
    # Serialized rows the merge had to delete (a duplicate tag, a self-referral, …).
    removed = models.JSONField(_("removed rows"), default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_at = RangedDateTimeField(_("merged at"), default=timezone.now, db_index=True)
    undone_at = RangedDateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self):
        return f"{self.loser_label} → {self.winner_label}"

    @property
    def moved_count(self) -> int:
        return sum(len(entry["ids"]) for entry in self.repointed)
