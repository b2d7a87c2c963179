from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class ListKey(models.TextChoices):
    """The list pages that remember their state and have saved views."""

    DEALS = "deals", _("Deals")
    LEADS = "leads", _("Leads")
    CONTACTS = "contacts", _("Contacts")
    COMPANIES = "companies", _("Companies")
    ACTIVITIES = "activities", _("Activities")
    TICKETS = "tickets", _("Tickets")


class SavedView(TimeStampedModel):
    """A named set of filters, search, sort and columns of one list.

    `query` holds the list's query parameters ({"stage": "3", "q": "acme", "sort":
    "-value"}), validated against the list's filters when saved and again when applied:
    a stage deleted since then is left out with a message. A shared view is visible to
    the members of `team` (the owner's team when it was shared); only its owner edits it.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="saved_views",
    )
    list_key = models.CharField(_("list"), max_length=20, choices=ListKey.choices)
    name = models.CharField(_("name"), max_length=80)
    query = models.JSONField(_("filters and sort"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    shared = models.BooleanField(_("shared with my team"), default=False)

    class Meta:
        ordering = ["list_key", "name", "pk"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_key", "name"], name="saved_view_name_unique_per_list"
            ),
            models.CheckConstraint(
                condition=Q(shared=False) | Q(team__isnull=False),
                name="saved_view_shared_has_team",
            ),
        ]

    def __str__(self):
        return self.name


class ListState(TimeStampedModel):
    """What a user last had on a list: filters, search and sort, and the columns shown.

    Opening the list without query parameters brings this back. `columns` null means the
    list's default columns.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="list_states",
    )
    list_key = models.CharField(_("list"), max_length=20, choices=ListKey.choices)
    query = models.JSONField(_("filters and sort"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), null=True, blank=True)

    class Meta:
        ordering = ["user", "list_key"]
        verbose_name = _("list state")
        verbose_name_plural = _("list states")
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key"], name="list_state_one_per_list")
        ]

    def __str__(self):
        return f"{self.user} · {self.list_key}"
