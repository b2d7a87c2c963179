"""Typed parameters of rule actions: one description drives validation, forms and the API."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

CHOICE, TEXT, LONGTEXT, INT, USER, USERS, TEAM, CAMPAIGN = (
    "choice",
    "text",
    "longtext",
    "int",
    "user",
    "users",
    "team",
    "campaign",
)


class ParamError(ValueError):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    label: Any
    kind: str
    choices: Callable | None = None  # for CHOICE: (subject) -> [(value, label)]
    default: Any = None
    # Only relevant (and then required) when another parameter has one of these values,
    # e.g. ("assignee", ("user",)) for the user a task goes to.
    when: tuple[str, tuple[str, ...]] | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    help: Any = ""

    def applies(self, values: dict) -> bool:
        if self.when is None:
            return True
        other, accepted = self.when
        return str(values.get(other, "")) in accepted

    def choice_list(self, subject: str | None) -> list[tuple[str, str]]:
        if self.kind == CHOICE and self.choices:
            return [(str(v), str(label)) for v, label in self.choices(subject)]
        if self.kind in (USER, USERS):
            from crm.models import User

            users = User.objects.filter(is_active=True).order_by("username")
            return [(str(u.pk), f"{u} ({u.username})") for u in users]
        if self.kind == TEAM:
            from crm.models import Team

            return [(str(pk), name) for pk, name in Team.objects.values_list("pk", "name")]
        if self.kind == CAMPAIGN:
            from crm.models import Campaign

            return [(str(pk), name) for pk, name in Campaign.objects.values_list("pk", "name")]
        return []

    def clean(self, raw, subject: str | None):
        """The stored form of a submitted value; raises ParamError with a user message."""
        empty = raw is None or raw == "" or raw == []
        if empty:
            raise ParamError(_("This field is required."))
        if self.kind == INT:
            return self._int(raw)
        if self.kind in (TEXT, LONGTEXT):
            text = str(raw).strip()
            if not text:
                raise ParamError(_("This field is required."))
            if self.kind == TEXT and len(text) > self.max_length:
                raise ParamError(_("Keep it under %(n)s characters.") % {"n": self.max_length})
            return text
        if self.kind == USERS:
            items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
            ids = [self._pk(item) for item in items if str(item).strip()]
            if not ids:
                raise ParamError(_("Pick at least one user."))
            return self._existing_users(ids)
        if isinstance(raw, list | dict):
            raise ParamError(_("Enter a single value."))
        if self.kind == CHOICE:
            allowed = {value for value, _label in self.choice_list(subject)}
            if str(raw) not in allowed:
                raise ParamError(_("Select a valid choice."))
            return str(raw)
        pk = self._pk(raw)
        if self.kind == USER:
            return self._existing_users([pk])[0]
        if self.kind == TEAM:
            from crm.models import User

            if not User.objects.filter(team_id=pk, is_active=True).exists():
                raise ParamError(_("Pick a team that has active members."))
            return pk
        if self.kind == CAMPAIGN:
            from crm.models import Campaign

            if not Campaign.objects.filter(pk=pk).exists():
                raise ParamError(_("Pick an existing campaign."))
            return pk
        raise ParamError(_("Unknown parameter."))

    def _int(self, raw) -> int:
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            raise ParamError(_("Enter a whole number.")) from None
        if self.minimum is not None and value < self.minimum:
            raise ParamError(_("Enter %(n)s or more.") % {"n": self.minimum})
        if self.maximum is not None and value > self.maximum:
            raise ParamError(_("Enter %(n)s or less.") % {"n": self.maximum})
        return value

    @staticmethod
    def _pk(raw) -> int:
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            raise ParamError(_("Select a valid choice.")) from None
        if value <= 0:
            raise ParamError(_("Select a valid choice."))
        return value

    @staticmethod
    def _existing_users(ids: list[int]) -> list[int]:
        from crm.models import User

        found = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
        if len(found) != len(set(ids)):
            raise ParamError(_("Pick active users."))
        return list(dict.fromkeys(ids))
