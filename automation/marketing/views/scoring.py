"""The lead-scoring model editor: threshold, decay, caps and the point rules."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from automation.marketing.forms import ScoringModelForm, ScoringRuleForm, apply_service_error
from automation.marketing.models import ContactScore, LeadHandoff, ScoringRule
from automation.marketing.scoring import score_explain, scoring_model_get
from automation.marketing.services.scoring import (
    scoring_model_update,
    scoring_rule_create,
    scoring_rule_delete,
)
from crm import policies
from crm.models import Contact, Lead
from crm.web.access import web_view

RECENT_HANDOFFS = 10
TOP_SCORES = 10


@web_view("marketing", write=None)
def scoring_editor(request):
    model = scoring_model_get()
    model_form = ScoringModelForm(instance=model, prefix="model")
    rule_form = ScoringRuleForm(prefix="rule")
    status = 200
    if request.method == "POST":
        if "save_model" in request.POST:
            model_form = ScoringModelForm(request.POST, instance=model, prefix="model")
            if model_form.is_valid():
                try:
                    with transaction.atomic():
                        scoring_model_update(actor=request.user, data=model_form.cleaned_data)
                except ValidationError as error:
                    apply_service_error(model_form, error)
                else:
                    messages.success(
                        request,
                        _("Scoring model saved; scores update tonight or on the next event."),
                    )
                    return redirect("marketing:scoring")
        else:
            rule_form = ScoringRuleForm(request.POST, prefix="rule")
            if rule_form.is_valid():
                data = {**rule_form.cleaned_data, "kind": rule_form.instance.kind}
                try:
                    with transaction.atomic():
                        scoring_rule_create(actor=request.user, **data)
                except ValidationError as error:
                    apply_service_error(rule_form, error)
                else:
                    messages.success(request, _("Rule added."))
                    return redirect("marketing:scoring")
        status = 422
    return render(
        request,
        "marketing/scoring.html",
        {
            "model_form": model_form,
            "rule_form": rule_form,
            "rules": ScoringRule.objects.order_by("kind", "field", "pk"),
            # Handoffs name leads: only those the user may see (a rep their own).
            "handoffs": LeadHandoff.objects.filter(
                lead__in=policies.scope(request.user, "leads", Lead.objects.all())
            ).select_related("lead__contact", "owner")[:RECENT_HANDOFFS],
            "can_write": policies.can_write(request.user, "campaigns"),
            "top_scores": ContactScore.objects.filter(
                contact__in=policies.scope(request.user, "contacts", Contact.objects.all()),
                score__gt=0,
            ).select_related("contact")[:TOP_SCORES],
            "scored_count": ContactScore.objects.filter(score__gt=0).count(),
            "adjusted_count": ContactScore.objects.exclude(adjustment=0).count(),
        },
        status=status,
    )


@web_view("leads", write=None)
def score_explanation(request, contact_id: int):
    """One contact's lead score, line by line: the rules' (decayed) points and the
    adjustment set by hand, an import or a rule."""
    contact = get_object_or_404(
        policies.scope(request.user, "contacts", Contact.objects.all()), pk=contact_id
    )
    return render(
        request,
        "marketing/score_explanation.html",
        {"contact": contact, "explanation": score_explain(contact=contact)},
    )


@require_POST
@web_view("marketing", write=True)
def scoring_rule_remove(request, pk):
    rule = get_object_or_404(ScoringRule, pk=pk)
    with transaction.atomic():
        scoring_rule_delete(rule=rule, actor=request.user)
    messages.success(request, _("Rule removed."))
    return redirect("marketing:scoring")
