"""Campaign plans, steps and variants: editable while enrollments run.

Positions are kept 1..n. Enrollments remember the position of the last step they did, so
a step inserted before that point is not sent to them, one after it is.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from automation.marketing.models import (
    CampaignPlan,
    CampaignStep,
    EnrollmentProgress,
    StepKind,
    StepVariant,
    VariantLanguage,
)
from automation.marketing.rendering import check_template
from crm.languages import language_supported
from crm.models import Campaign, User
from crm.services.common import apply_fields, model_save

MAX_VARIANTS = 5


def campaign_plan_get(campaign: Campaign) -> CampaignPlan:
    plan, _created = CampaignPlan.objects.get_or_create(campaign=campaign)
    return plan


@transaction.atomic
def campaign_plan_update(*, campaign: Campaign, actor: User, data: dict[str, Any]) -> CampaignPlan:
    plan = campaign_plan_get(campaign)
    apply_fields(plan, data, {"welcome_series", "audience"})
    return model_save(plan)


def _lock_steps(campaign: Campaign) -> list[CampaignStep]:
    # Locking the campaign row serialises edits of its steps (positions stay 1..n).
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    return list(CampaignStep.objects.filter(campaign=campaign).order_by("position", "pk"))


def _renumber(steps: list[CampaignStep]) -> None:
    """Store positions 1..n in the given order, in two passes to satisfy the unique key."""
    if not steps:
        return
    ids = [s.pk for s in steps]
    CampaignStep.objects.filter(pk__in=ids).update(position=F("position") + 100_000)
    for index, step in enumerate(steps, start=1):
        step.position = index
        CampaignStep.objects.filter(pk=step.pk).update(position=index)


def _check_wait(kind: str, wait_amount: int | None, wait_unit: str | None) -> None:
    if kind == StepKind.WAIT and (not wait_amount or not wait_unit):
        raise ValidationError({"wait_amount": [_("Say how long to wait.")]})


def _check_languages(kind: str, versions: list[dict[str, Any]] | None) -> None:
    """Language versions belong to an email step's variant A, one per language."""
    if versions is None:
        return
    if kind != StepKind.EMAIL:
        raise ValidationError({"languages": [_("Only email steps have language versions.")]})
    _check_one_per_language(versions)


def _check_one_per_language(versions: list[dict[str, Any]]) -> None:
    codes = [v["language"] for v in versions]
    if len(codes) != len(set(codes)):
        raise ValidationError({"languages": [_("One version per language.")]})


def _first_variant(step: CampaignStep) -> StepVariant:
    # An email step always keeps a variant (variant_delete refuses the last one).
    return step.variants.order_by("label", "id")[0]


@transaction.atomic
def step_create(
    *,
    campaign: Campaign,
    actor: User,
    kind: str,
    position: int | None = None,
    wait_amount: int | None = None,
    wait_unit: str = "",
    subject: str = "",
    body: str = "",
    languages: list[dict[str, Any]] | None = None,
) -> CampaignStep:
    """Add a step (at the end, or before the step now at `position`).

    An email step starts with variant A from `subject` and `body`, and `languages`
    ([{language, subject, body}]) as A's versions in other languages.
    """
    if kind == StepKind.EMAIL:
        missing = [name for name, value in (("subject", subject), ("body", body)) if not value]
        if missing:
            raise ValidationError({name: [_("An email step needs this.")] for name in missing})
    _check_wait(kind, wait_amount, wait_unit)
    _check_languages(kind, languages)
    steps = _lock_steps(campaign)
    last = CampaignStep.objects.filter(campaign=campaign).aggregate(m=Max("position"))["m"] or 0
    step = CampaignStep(
        campaign=campaign,
        kind=kind,
        position=last + 1,
        wait_amount=wait_amount if kind == StepKind.WAIT else None,
        wait_unit=wait_unit if kind == StepKind.WAIT else "",
    )
    model_save(step)
    if kind == StepKind.EMAIL:
        variant = variant_create(step=step, actor=actor, label="A", subject=subject, body=body)
        if languages is not None:
            variant_languages_replace(variant=variant, actor=actor, versions=languages)
    if position is not None and 1 <= position <= len(steps):
        steps.insert(position - 1, step)
        _renumber(steps)
    step.refresh_from_db()
    return step


@transaction.atomic
def step_update(*, step: CampaignStep, actor: User, data: dict[str, Any]) -> CampaignStep:
    """Change a step's wait, position or (`languages`, replacing them) variant A's versions."""
    data = dict(data)
    position = data.pop("position", None)
    languages = data.pop("languages", None)
    step = CampaignStep.objects.select_for_update().get(pk=step.pk)
    if "kind" in data and data["kind"] != step.kind:
        raise ValidationError({"kind": _("A step's kind cannot change; add a new step.")})
    _check_languages(step.kind, languages)
    apply_fields(step, data, {"wait_amount", "wait_unit"})
    _check_wait(step.kind, step.wait_amount, step.wait_unit)
    model_save(step)
    if languages is not None:
        variant_languages_replace(variant=_first_variant(step), actor=actor, versions=languages)
    if position is not None and position != step.position:
        step_move(step=step, actor=actor, position=position)
        step.refresh_from_db()
    return step


@transaction.atomic
def step_move(*, step: CampaignStep, actor: User, position: int) -> CampaignStep:
    steps = _lock_steps(step.campaign)
    moving = next(s for s in steps if s.pk == step.pk)
    steps.remove(moving)
    position = max(1, min(position, len(steps) + 1))
    steps.insert(position - 1, moving)
    _renumber(steps)
    moving.refresh_from_db()
    return moving


@transaction.atomic
def step_delete(*, step: CampaignStep, actor: User) -> None:
    campaign = step.campaign
    steps = _lock_steps(campaign)
    # Enrollments that just did this step continue after the step before it.
    previous = next((s for s in reversed(steps) if s.position < step.position), None)
    EnrollmentProgress.objects.filter(last_step=step).update(
        last_step=previous, cursor=previous.position if previous else 0
    )
    step.delete()
    _renumber([s for s in steps if s.pk != step.pk])


def _check_variant(variant: StepVariant | VariantLanguage) -> None:
    check_template(variant.subject, field="subject")
    check_template(variant.body, field="body")


@transaction.atomic
def variant_create(
    *,
    step: CampaignStep,
    actor: User,
    subject: str,
    body: str,
    label: str = "",
    languages: list[dict[str, Any]] | None = None,
) -> StepVariant:
    """Add an A/B variant of an email step, with `languages` as its versions if given."""
    if step.kind != StepKind.EMAIL:
        raise ValidationError({"step": _("Only email steps have variants.")})
    if languages is not None:
        _check_one_per_language(languages)
    taken = set(step.variants.values_list("label", flat=True))
    if len(taken) >= MAX_VARIANTS:
        raise ValidationError({"label": _("At most %(n)s variants.") % {"n": MAX_VARIANTS}})
    if not label:
        label = next(c for c in "ABCDEFGHIJ" if c not in taken)
    if label in taken:
        raise ValidationError({"label": _("This step already has a variant %s.") % label})
    variant = StepVariant(step=step, label=label, subject=subject, body=body)
    _check_variant(variant)
    model_save(variant)
    if languages is not None:
        variant_languages_replace(variant=variant, actor=actor, versions=languages)
    return variant


@transaction.atomic
def variant_update(*, variant: StepVariant, actor: User, data: dict[str, Any]) -> StepVariant:
    """Change a variant's email; `languages` in `data` replaces its versions."""
    data = dict(data)
    languages = data.pop("languages", None)
    if languages is not None:
        _check_one_per_language(languages)
    variant = StepVariant.objects.select_for_update().get(pk=variant.pk)
    apply_fields(variant, data, {"subject", "body", "label"})
    _check_variant(variant)
    model_save(variant)
    if languages is not None:
        variant_languages_replace(variant=variant, actor=actor, versions=languages)
    return variant


@transaction.atomic
def variant_delete(*, variant: StepVariant, actor: User) -> None:
    if variant.step.variants.count() <= 1:
        raise ValidationError(
            {"non_field_errors": [_("An email step needs at least one variant.")]}
        )
    variant.delete()


# Language versions of a variant (multi-language email): one per language.


def _check_version(version: VariantLanguage) -> None:
    if not language_supported(version.language):
        raise ValidationError({"language": _("Choose one of the workspace's languages.")})
    for name in ("subject", "body"):
        if not (getattr(version, name) or "").strip():
            raise ValidationError({name: _("This field is required.")})
    _check_variant(version)


@transaction.atomic
def variant_language_create(
    *, variant: StepVariant, actor: User, language: str, subject: str, body: str
) -> VariantLanguage:
    """Add the variant's email in `language`; a second version of a language is refused."""
    # Locking the variant serialises adding versions, so the check below holds.
    variant = StepVariant.objects.select_for_update().get(pk=variant.pk)
    if variant.languages.filter(language=language).exists():
        raise ValidationError({"language": _("This email already has a version in this language.")})
    version = VariantLanguage(variant=variant, language=language, subject=subject, body=body)
    _check_version(version)
    return model_save(version)


@transaction.atomic
def variant_language_update(
    *, version: VariantLanguage, actor: User, data: dict[str, Any]
) -> VariantLanguage:
    version = VariantLanguage.objects.select_for_update().get(pk=version.pk)
    apply_fields(version, data, {"subject", "body"})
    _check_version(version)
    return model_save(version)


@transaction.atomic
def variant_language_delete(*, version: VariantLanguage, actor: User) -> None:
    version.delete()


@transaction.atomic
def variant_languages_replace(
    *, variant: StepVariant, actor: User, versions: list[dict[str, Any]]
) -> None:
    """Make the variant's versions exactly `versions` ([{language, subject, body}]):
    existing languages are updated, new ones added, missing ones removed."""
    _check_one_per_language(versions)
    variant = StepVariant.objects.select_for_update().get(pk=variant.pk)
    codes = [v["language"] for v in versions]
    existing = {v.language: v for v in variant.languages.all()}
    for code, unwanted in existing.items():
        if code not in codes:
            unwanted.delete()
    for data in versions:
        version = existing.get(data["language"])
        if version is None:
            version = VariantLanguage(variant=variant, language=data["language"])
        version.subject, version.body = data["subject"], data["body"]
        _check_version(version)
        model_save(version)


def variant_version_for(variant: StepVariant, language: str) -> VariantLanguage | None:
    """The variant's version in `language` (uses a prefetched `languages`), else None."""
    return next((v for v in variant.languages.all() if v.language == language), None)
