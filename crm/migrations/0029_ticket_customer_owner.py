"""Tickets carry their customer's owner, kept by triggers, so a rep's tickets come from an index.

A rep sees the tickets of their own customers (crm.policies). Joining every ticket to the
contacts to find them grew with all tickets (a rep's /api/tickets/ 4x slower at 200,000
tickets than at 20,000); `customer_owner` with its index reads only the rep's own.

Triggers rather than services keep the copy right for every writer, as the board version
does (0025): the importer, bulk reassignments, `QuerySet.update`, a contact deleted (its
tickets' contact set to NULL) or raw SQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


TRIGGERS = """
UPDATE crm_ticket t SET customer_owner_id = c.owner_id
  FROM crm_contact c WHERE c.id = t.contact_id AND c.owner_id IS NOT NULL;

-- A ticket written with a contact (insert, or an update that sets contact_id) takes that
-- contact's owner; one primary-key read.
CREATE FUNCTION goalpost_ticket_customer_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.customer_owner_id := (SELECT owner_id FROM crm_contact WHERE id = NEW.contact_id);
    RETURN NEW;
END $$;
CREATE TRIGGER crm_ticket_customer_owner BEFORE INSERT OR UPDATE OF contact_id, customer_owner_id
    ON crm_ticket FOR EACH ROW EXECUTE FUNCTION goalpost_ticket_customer_owner();

-- A contact handed to another owner hands its tickets along.
CREATE FUNCTION goalpost_contact_owner_to_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE crm_ticket SET customer_owner_id = NEW.owner_id WHERE contact_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER crm_contact_owner_to_tickets AFTER UPDATE OF owner_id ON crm_contact
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id)
    EXECUTE FUNCTION goalpost_contact_owner_to_tickets();
"""

DROP_TRIGGERS = """
DROP TRIGGER crm_contact_owner_to_tickets ON crm_contact;
DROP FUNCTION goalpost_contact_owner_to_tickets();
DROP TRIGGER crm_ticket_customer_owner ON crm_ticket;
DROP FUNCTION goalpost_ticket_customer_owner();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0028_company_name_lower_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='ticket',
            name='ticket_unresolved_contact_idx',
        ),
        migrations.AddField(
            model_name='ticket',
            name='customer_owner',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.RunSQL(TRIGGERS, reverse_sql=DROP_TRIGGERS),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(models.F('customer_owner'), models.OrderBy(models.F('opened_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='ticket_customer_owner_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('status__in', ('open', 'pending'))), fields=['customer_owner'], name='ticket_unresolved_owner_idx'),
        ),
    ]
