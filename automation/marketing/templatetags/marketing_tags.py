from typing import cast

from django import template
from django.forms import ChoiceField

from automation.marketing.forms import LanguageVersionForm, VariantForm, language_name
from crm.services.mail import language_direction

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


@register.simple_tag
def language_version_form(forms: dict, version):
    """The bound form with errors if this language version's save failed, else a fresh one."""
    key = f"lang-{version.pk}"
    return forms.get(key) or LanguageVersionForm(instance=version, prefix=key)


@register.simple_tag
def new_language_version_form(forms: dict, variant):
    """A form for a version in a language the variant does not have yet (None: all covered)."""
    key = f"lang-new-{variant.pk}"
    if key in forms:
        return forms[key]
    covered = {v.language for v in variant.languages.all()}
    form = LanguageVersionForm(prefix=key, covered=covered)
    return form if cast(ChoiceField, form.fields["language"]).choices else None


@register.filter
def language_label(code: str) -> str:
    return language_name(code)


@register.filter
def language_dir(code: str) -> str:
    return language_direction(code)
