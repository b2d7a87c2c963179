"""Per-handler receipts of domain events (issue 18): each handler records its own
processing, and the outbox sweep hands an event again to each handler still without one.

No rows are copied: an event already processed (processed_at set) counts as done for
every handler, since the sweep and the handlers read a set processed_at as "closed".
The index on processed_at alone is replaced by a partial index of the open events, the
only ones the sweep reads.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import crm.limits


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0029_ticket_customer_owner"),
    ]

    operations = [
        migrations.CreateModel(
            name="DomainEventReceipt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("handler", models.CharField(max_length=200, verbose_name="handler")),
                (
                    "processed_at",
                    crm.limits.RangedDateTimeField(
                        default=django.utils.timezone.now, verbose_name="processed at"
                    ),
                ),
            ],
            options={
                "verbose_name": "domain event receipt",
                "verbose_name_plural": "domain event receipts",
                "ordering": ["event_id", "handler"],
            },
        ),
        migrations.AlterField(
            model_name="domainevent",
            name="processed_at",
            field=crm.limits.RangedDateTimeField(
                blank=True, null=True, verbose_name="processed at"
            ),
        ),
        migrations.AddIndex(
            model_name="domainevent",
            index=models.Index(
                condition=models.Q(("automate", True), ("processed_at__isnull", True)),
                fields=["occurred_at", "id"],
                name="domainevent_open_idx",
            ),
        ),
        migrations.AddField(
            model_name="domaineventreceipt",
            name="event",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="receipts",
                to="crm.domainevent",
                verbose_name="event",
            ),
        ),
        migrations.AddConstraint(
            model_name="domaineventreceipt",
            constraint=models.UniqueConstraint(
                fields=("event", "handler"), name="domain_event_receipt_once"
            ),
        ),
    ]
