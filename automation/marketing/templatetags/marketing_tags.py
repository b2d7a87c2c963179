from django import template

from automation.marketing.forms import VariantForm

register = template.Library()


@register.simple_tag
def variant_form(forms: dict, variant):
    """The bound form with errors if this variant's save failed, else a fresh one."""
    key = f"variant-{variant.pk}"
    return forms.get(key) or VariantForm(instance=variant, prefix=key)


@register.simple_tag
def new_variant_form(forms: dict, step):
    key = f"new-{step.pk}"
    return forms.get(key) or VariantForm(prefix=key)
