"""Accent- and case-folding for search: `field__fold__icontains=word`.

`Fold` calls the SQL function `goalpost_fold` (crm migration 0014), on the column and on
the searched text alike, so "sukru" matches "Şükrü" and "MULLER" matches "Müller".
"""

from django.db.models import CharField, TextField, Transform


class Fold(Transform):
    lookup_name = "fold"
    function = "goalpost_fold"
    bilateral = True
    output_field = TextField()


CharField.register_lookup(Fold)
TextField.register_lookup(Fold)
