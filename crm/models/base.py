from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateTimeField


class TimeStampedModel(models.Model):
    # A default rather than auto_now_add: imports and API clients may post historical
    # timestamps so that spreadsheets can be migrated with their real dates.
    created_at = RangedDateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = RangedDateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
