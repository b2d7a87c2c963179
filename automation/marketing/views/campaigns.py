"""Campaign pages: list, the step and variant editor, enrollments, the report."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from automation.marketing import selectors
from automation.marketing.forms import (
    CampaignForm,
    CampaignKind,
    EnrollSegmentForm,
    LanguageVersionForm,
    PlanForm,
    StepForm,
    VariantForm,
    WaitForm,
    apply_service_error,
)
from automation.marketing.models import CampaignStep, StepKind, StepVariant, VariantLanguage
from automation.marketing.services.campaigns import (
    campaign_plan_get,
    campaign_plan_update,
    step_create,
    step_delete,
    step_move,
    step_update,
    variant_create,
    variant_delete,
    variant_language_create,
    variant_language_delete,
    variant_language_update,
    variant_update,
)
from automation.marketing.services.enrollments import campaign_enroll_segment
from automation.models import Enrollment, EnrollmentStatus, ExitReason
from automation.services.campaigns import campaign_create, campaign_update
from automation.services.enrollments import enrollment_exit
from crm import policies
from crm.models import Campaign
from crm.web.access import require_write, web_view

ENROLLMENTS_SHOWN = 50


def _editor_url(campaign) -> str:
    return reverse("marketing:campaign", args=[campaign.pk])


KIND_FILTERS = {
    CampaignKind.SEQUENCE: {"step_count__gt": 0},
    CampaignKind.ATTRIBUTION: {"step_count": 0},
}


@web_view("marketing", write=None)
def campaign_list(request):
    """The one Campaigns page: every campaign, whether it sends an email sequence or only
    collects attribution (leads, purchases, spend), with a filter for either kind."""
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                campaign = campaign_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Campaign created. Add its steps."))
            return redirect(_editor_url(campaign))
    kind = request.GET.get("kind", "")
    campaigns = selectors.campaign_overview()
    if kind in KIND_FILTERS:
        campaigns = campaigns.filter(**KIND_FILTERS[kind])
    else:
        kind = ""
    return render(
        request,
        "marketing/campaign_list.html",
        {
            "campaigns": campaigns,
            "kind": kind,
            "kinds": [
                ("", _("All")),
                (CampaignKind.SEQUENCE, _("Email sequences")),
                (CampaignKind.ATTRIBUTION, _("Attribution only")),
            ],
            "form": form,
            "can_write": policies.can_write(request.user, "campaigns"),
        },
        status=422 if form.errors else 200,
    )


@web_view("marketing", write=None)
def campaign_details(request, pk):
    """Edit a campaign's own details (name, channel, dates, active)."""
    campaign = get_object_or_404(Campaign, pk=pk)
    if request.method == "POST":
        require_write(request.user, "campaigns")
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                campaign = campaign_update(
                    campaign=campaign, actor=request.user, data=form.cleaned_data
                )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Campaign “%s” saved.") % campaign.name)
            return redirect(_editor_url(campaign))
    return render(
        request,
        "marketing/campaign_details.html",
        {
            "campaign": campaign,
            "form": form,
            "can_write": policies.can_write(request.user, "campaigns"),
        },
        status=422 if form.errors else 200,
    )


def _editor_context(request, campaign, **forms) -> dict:
    plan = campaign_plan_get(campaign)
    enrollments = (
        Enrollment.objects.filter(campaign=campaign)
        .select_related("contact", "progress")
        .order_by("-enrolled_at", "-id")[:ENROLLMENTS_SHOWN]
    )
    return {
        "campaign": campaign,
        "plan": plan,
        "steps": list(selectors.campaign_steps(campaign)),
        "step_form": forms.get("step_form") or StepForm(),
        "plan_form": forms.get("plan_form") or PlanForm(instance=plan),
        "enroll_form": forms.get("enroll_form")
        or EnrollSegmentForm(initial={"segment": plan.audience_id}),
        "variant_forms": forms.get("variant_forms", {}),
        "language_forms": forms.get("language_forms", {}),
        "enrollments": enrollments,
        "can_write": policies.can_write(request.user, "campaigns"),
        "StepKind": StepKind,
    }


@web_view("marketing", write=None)
def campaign_editor(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    return render(request, "marketing/campaign_editor.html", _editor_context(request, campaign))


def _run(request, campaign, action, success: str, *, invalid_context: dict | None = None):
    """Run a service call; on ValidationError re-render the editor with the error shown."""
    try:
        with transaction.atomic():
            action()
    except ValidationError as error:
        form = next(iter((invalid_context or {}).values()), None)
        if form is not None and hasattr(form, "add_error"):
            apply_service_error(form, error)
        else:
            for message in error.messages:
                messages.error(request, message)
            return redirect(_editor_url(campaign))
        context = _editor_context(request, campaign, **(invalid_context or {}))
        return render(request, "marketing/campaign_editor.html", context, status=422)
    messages.success(request, success)
    return redirect(_editor_url(campaign))


def _invalid(request, campaign, **forms):
    context = _editor_context(request, campaign, **forms)
    return render(request, "marketing/campaign_editor.html", context, status=422)


@require_POST
@web_view("marketing", write=True)
def step_add(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        return _invalid(request, campaign, step_form=form)
    data = form.cleaned_data
    return _run(
        request,
        campaign,
        lambda: step_create(
            campaign=campaign,
            actor=request.user,
            kind=data["kind"],
            position=data.get("position"),
            wait_amount=data.get("wait_amount"),
            wait_unit=data.get("wait_unit") or "",
            subject=data.get("subject") or "",
            body=data.get("body") or "",
        ),
        _("Step added."),
        invalid_context={"step_form": form},
    )


def _step(pk, step_id) -> CampaignStep:
    return get_object_or_404(
        CampaignStep.objects.select_related("campaign"), pk=step_id, campaign_id=pk
    )


@require_POST
@web_view("marketing", write=True)
def step_wait_edit(request, pk, step_id):
    step = _step(pk, step_id)
    form = WaitForm(request.POST)
    if step.kind != StepKind.WAIT or not form.is_valid():
        messages.error(request, _("Enter a wait of at least 1 hour or day."))
        return redirect(_editor_url(step.campaign))
    return _run(
        request,
        step.campaign,
        lambda: step_update(step=step, actor=request.user, data=form.cleaned_data),
        _("Wait changed."),
    )


@require_POST
@web_view("marketing", write=True)
def step_reorder(request, pk, step_id):
    step = _step(pk, step_id)
    delta = -1 if request.POST.get("direction") == "up" else 1
    return _run(
        request,
        step.campaign,
        lambda: step_move(step=step, actor=request.user, position=step.position + delta),
        _("Step moved."),
    )


@require_POST
@web_view("marketing", write=True)
def step_remove(request, pk, step_id):
    step = _step(pk, step_id)
    return _run(
        request,
        step.campaign,
        lambda: step_delete(step=step, actor=request.user),
        _("Step removed."),
    )


@require_POST
@web_view("marketing", write=True)
def variant_add(request, pk, step_id):
    step = _step(pk, step_id)
    form = VariantForm(request.POST, prefix=f"new-{step.pk}")
    if not form.is_valid():
        return _invalid(request, step.campaign, variant_forms={f"new-{step.pk}": form})
    return _run(
        request,
        step.campaign,
        lambda: variant_create(step=step, actor=request.user, **form.cleaned_data),
        _("Variant added: the step is now split between its variants."),
        invalid_context={"variant_forms": {f"new-{step.pk}": form}},
    )


def _variant(pk, variant_id) -> StepVariant:
    return get_object_or_404(
        StepVariant.objects.select_related("step__campaign"), pk=variant_id, step__campaign_id=pk
    )


@require_POST
@web_view("marketing", write=True)
def variant_edit(request, pk, variant_id):
    variant = _variant(pk, variant_id)
    campaign = variant.step.campaign
    key = f"variant-{variant.pk}"
    form = VariantForm(request.POST, prefix=key)
    if not form.is_valid():
        return _invalid(request, campaign, variant_forms={key: form})
    try:
        with transaction.atomic():
            variant_update(variant=variant, actor=request.user, data=form.cleaned_data)
    except ValidationError as error:
        apply_service_error(form, error)
        return _invalid(request, campaign, variant_forms={key: form})
    messages.success(request, _("Variant saved."))
    return redirect(_editor_url(campaign))


@require_POST
@web_view("marketing", write=True)
def variant_remove(request, pk, variant_id):
    variant = _variant(pk, variant_id)
    return _run(
        request,
        variant.step.campaign,
        lambda: variant_delete(variant=variant, actor=request.user),
        _("Variant removed."),
    )


@require_POST
@web_view("marketing", write=True)
def language_add(request, pk, variant_id):
    """Add the variant's email in one more language."""
    variant = _variant(pk, variant_id)
    campaign = variant.step.campaign
    key = f"lang-new-{variant.pk}"
    covered = set(variant.languages.values_list("language", flat=True))
    form = LanguageVersionForm(request.POST, prefix=key, covered=covered)
    if not form.is_valid():
        return _invalid(request, campaign, language_forms={key: form})
    data = form.cleaned_data
    try:
        with transaction.atomic():
            version = variant_language_create(
                variant=variant,
                actor=request.user,
                language=data["language"],
                subject=data["subject"],
                body=data["body"],
            )
    except ValidationError as error:
        apply_service_error(form, error)
        return _invalid(request, campaign, language_forms={key: form})
    messages.success(
        request,
        _("Version added: contacts who prefer %(language)s get it.")
        % {"language": version.get_language_display()},
    )
    return redirect(_editor_url(campaign))


def _version(pk, version_id) -> VariantLanguage:
    return get_object_or_404(
        VariantLanguage.objects.select_related("variant__step__campaign"),
        pk=version_id,
        variant__step__campaign_id=pk,
    )


@require_POST
@web_view("marketing", write=True)
def language_edit(request, pk, version_id):
    version = _version(pk, version_id)
    campaign = version.variant.step.campaign
    key = f"lang-{version.pk}"
    form = LanguageVersionForm(request.POST, instance=version, prefix=key)
    if not form.is_valid():
        return _invalid(request, campaign, language_forms={key: form})
    try:
        with transaction.atomic():
            variant_language_update(
                version=version,
                actor=request.user,
                data={"subject": form.cleaned_data["subject"], "body": form.cleaned_data["body"]},
            )
    except ValidationError as error:
        apply_service_error(form, error)
        return _invalid(request, campaign, language_forms={key: form})
    messages.success(request, _("Version saved."))
    return redirect(_editor_url(campaign))


@require_POST
@web_view("marketing", write=True)
def language_remove(request, pk, version_id):
    version = _version(pk, version_id)
    return _run(
        request,
        version.variant.step.campaign,
        lambda: variant_language_delete(version=version, actor=request.user),
        _("Version removed: those contacts get the default email."),
    )


@require_POST
@web_view("marketing", write=True)
def plan_edit(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = PlanForm(request.POST, instance=campaign_plan_get(campaign))
    if not form.is_valid():
        return _invalid(request, campaign, plan_form=form)
    return _run(
        request,
        campaign,
        lambda: campaign_plan_update(campaign=campaign, actor=request.user, data=form.cleaned_data),
        _("Settings saved."),
        invalid_context={"plan_form": form},
    )


@require_POST
@web_view("marketing", write=True)
def enroll_segment(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = EnrollSegmentForm(request.POST)
    if not form.is_valid():
        return _invalid(request, campaign, enroll_form=form)
    with transaction.atomic():
        count = campaign_enroll_segment(
            campaign=campaign, segment=form.cleaned_data["segment"], actor=request.user
        )
    messages.success(request, _("%(n)s contacts enrolled.") % {"n": count})
    return redirect(_editor_url(campaign))


@require_POST
@web_view("marketing", write=True)
def enrollment_remove(request, pk, enrollment_id):
    enrollment = get_object_or_404(
        Enrollment, pk=enrollment_id, campaign_id=pk, status=EnrollmentStatus.ACTIVE
    )
    return _run(
        request,
        enrollment.campaign,
        lambda: enrollment_exit(enrollment=enrollment, reason=ExitReason.MANUAL),
        _("%s left the campaign.") % enrollment.contact,
    )


@web_view("marketing", write=None)
def campaign_report(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    return render(
        request,
        "marketing/campaign_report.html",
        {
            "campaign": campaign,
            "report": selectors.campaign_report(campaign),
            "steps": selectors.variant_results(campaign),
        },
    )
