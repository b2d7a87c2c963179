"""Demo hook (`manage.py seed_demo`): the default rules speak the demo's language.

The data migration stores the deal-value split's two rules in English. In a demo seeded in
another language they are renamed (name and description) while they still carry their
English names; once renamed a second run finds nothing to do.
"""

from django.utils.translation import gettext

from .defaults import CALL_RULE, NURTURE_RULE, call_rule_definition, nurture_rule_definition
from .models import Rule


def seed_demo(**kwargs) -> None:
    descriptions = {
        CALL_RULE: call_rule_definition()["description"],
        NURTURE_RULE: nurture_rule_definition(campaign_id=0)["description"],
    }
    for english, description in descriptions.items():
        name = gettext(english)
        if name == english or Rule.objects.filter(name=name).exists():
            continue
        Rule.objects.filter(name=english).update(name=name, description=description)
