"""Seed lost reasons and SLA targets with what was hard-coded before (form list, settings)."""

from django.conf import settings
from django.db import migrations

# The English names the deal form suggested; marked for translation in crm/models/workspace.py.
LOST_REASONS = [
    "Price too high",
    "Chose a competitor",
    "No budget",
    "No decision",
    "Bad timing",
    "Missing feature",
]
PRIORITIES = ["urgent", "high", "normal", "low"]


def seed(apps, schema_editor):
    LostReason = apps.get_model("crm", "LostReason")
    SlaTarget = apps.get_model("crm", "SlaTarget")
    for position, name in enumerate(LOST_REASONS):
        LostReason.objects.get_or_create(name=name, defaults={"position": position})
    resolution = settings.GOALPOST_TICKET_SLA_HOURS
    response = settings.GOALPOST_TICKET_FIRST_RESPONSE_HOURS
    for priority in PRIORITIES:
        SlaTarget.objects.get_or_create(
            priority=priority,
            defaults={
                "resolution_hours": resolution[priority],
                "first_response_hours": min(response[priority], resolution[priority]),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("crm", "0012_workspace_settings")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
