from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    MANAGER = "manager", _("Sales manager")
    MARKETING = "marketing", _("Marketing")
    SUPPORT = "support", _("Support agent")
    ADMIN = "admin", _("Admin")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    manager = models.ForeignKey(
        "crm.User",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    # Blank: follow the browser (Accept-Language, or the language switch's cookie).
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        # A row written by older code or raw SQL (a deploy in progress) is valid too.
        default="",
        db_default="",
        help_text=_("The language of pages and of the email Goalpost sends you."),
    )

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def sees_all_sales(self) -> bool:
        """Managers and admins see every lead, deal and activity; reps only their own."""
        return self.is_superuser or self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_admin_role(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or self.role in roles

    @cached_property
    def home_team_id(self) -> int | None:
        """The team this person works with: their own, else the one they lead (a manager
        often runs a team without being listed among its members). Saved views are shared
        with it."""
        if self.team_id is not None:
            return self.team_id
        return self.managed_teams.order_by("pk").values_list("pk", flat=True).first()
