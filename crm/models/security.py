"""Security records: the append-only audit log and stored API idempotency keys."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditKind(models.TextChoices):
    SIGNIN_SUCCEEDED = "signin_succeeded", _("Sign-in succeeded")
    SIGNIN_FAILED = "signin_failed", _("Sign-in failed")
    SIGNIN_REFUSED = "signin_refused", _("Sign-in refused (too many failures)")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Two-factor enrolled")
    TWO_FACTOR_REMOVED = "two_factor_removed", _("Two-factor removed")
    ROLE_CHANGED = "role_changed", _("Role changed")
    EXPORTED = "exported", _("Exported")
    MERGED = "merged", _("Records merged")
    DELETED = "deleted", _("Record deleted")
    SETTINGS_CHANGED = "settings_changed", _("Settings changed")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One security-relevant event; rows are only ever added (save refuses an update,
    delete refuses always). Written by the services that do the thing, in their
    transaction, through `crm.services.audit.audit_record`."""

    kind = models.CharField(max_length=32, choices=AuditKind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    # The name typed at a failed sign-in (there may be no such user) or the actor's name,
    # kept so the row still says who after the user is deleted.
    username = models.CharField(max_length=150, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")


class IdempotencyKey(models.Model):
    """The first response to an API create sent with an `Idempotency-Key` header.

    Written in the create's own transaction, so a record and its key commit together: a
    retry after a crash finds either both or neither. Rows older than
    `IDEMPOTENCY_KEY_TTL_HOURS` are ignored and swept.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key", "path"], name="idempotency_key_unique_per_user_path"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.path} {self.key}"
