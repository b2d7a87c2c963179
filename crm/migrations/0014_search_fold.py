"""Accent folding for search without a PostgreSQL extension: "sukru celik" finds Şükrü
Çelik, "MULLER" finds Müller. The contrib `unaccent` extension is not in every
PostgreSQL (the embedded one `make run` starts has no contrib modules), so search folds
through this immutable SQL function instead (crm.search.Fold)."""

from django.db import migrations

ACCENTED = "ŞşÇçĞğİıÖöÜüÄäßĂăÂâÎîȘșȚțŢţÀÁÃÅàáãåÈÉÊËèéêëÌÍÏìíïÒÓÔÕØòóôõøÙÚÛùúûÝýÿÑñŁłŃńŚśŹźŻżČčŠšŽžŘřĚěŮůĐđŐőŰű"
PLAIN = "SsCcGgIiOoUuAasAaAaIiSsTtTtAAAAaaaaEEEEeeeeIIIiiiOOOOOoooooUUUuuuYyyNnLlNnSsZzZzCcSsZzRrEeUuDdOoUu"


class Migration(migrations.Migration):
    dependencies = [("crm", "0013_seed_workspace_settings")]

    operations = [
        migrations.RunSQL(
            "CREATE OR REPLACE FUNCTION goalpost_fold(value text) RETURNS text "
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
            f"$$ SELECT lower(translate(value, '{ACCENTED}', '{PLAIN}')) $$",
            "DROP FUNCTION IF EXISTS goalpost_fold(text)",
        )
    ]
