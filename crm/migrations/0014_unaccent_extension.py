"""PostgreSQL's unaccent: searches match "sukru" to "Şükrü" (a trusted extension since PG 13)."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("crm", "0013_seed_workspace_settings")]

    operations = [UnaccentExtension()]
