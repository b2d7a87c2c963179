"""Seed the Nurture campaign and the default deal-value split (threshold $500).

Written with historical models and frozen values so later code changes cannot alter
what this migration did.
"""

from django.db import migrations

TRIGGERS = ["deal.created", "deal.value_changed"]


def seed(apps, schema_editor):
    Campaign = apps.get_model("crm", "Campaign")
    Rule = apps.get_model("automation", "Rule")
    nurture, _ = Campaign.objects.get_or_create(
        name="Nurture", defaults={"channel": "email", "description": "Nurture small deals."}
    )
    Rule.objects.get_or_create(
        name="Deal over $500 → call the owner",
        defaults={
            "description": "The owner calls every deal above the threshold within a day.",
            "triggers": TRIGGERS,
            "match": "all",
            "conditions": [{"field": "value", "operator": "gt", "value": "500"}],
            "actions": [
                {
                    "type": "create_task",
                    "params": {
                        "kind": "call",
                        "title": "Call about {deal} ({value})",
                        "assignee": "owner",
                        "due_in_hours": 24,
                    },
                }
            ],
        },
    )
    Rule.objects.get_or_create(
        name="Deal $500 or less → Nurture",
        defaults={
            "description": "Smaller deals get the nurture campaign instead of a call.",
            "triggers": TRIGGERS,
            "match": "all",
            "conditions": [{"field": "value", "operator": "lte", "value": "500"}],
            "actions": [{"type": "enroll_in_campaign", "params": {"campaign": nurture.pk}}],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial"), ("crm", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
