"""Rule builder, run log and dry run; the old campaign addresses.

Marketing and admins edit; managers read (crm/policies.py "automation"); everyone else
gets a 403. Campaigns live in the marketing app (automation/marketing/views/campaigns.py);
the old /campaigns/ addresses redirect there.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import policies
from crm.web.access import web_view

from . import selectors
from .dry_run import rule_dry_run
from .forms import DryRunForm, RuleBuilder, RunFilterForm, rule_summary
from .models import Rule
from .run_log import run_log_rows
from .services.rules import rule_create, rule_delete, rule_set_enabled, rule_update
from .validation import RuleDefinitionError

RUNS_PER_PAGE = 50


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@web_view("automation")
@require_GET
def rule_list(request):
    return render(
        request,
        "automation/rule_list.html",
        {
            "rules": selectors.rule_list().order_by("name", "id"),
            "can_edit": policies.can_write(request.user, "automation"),
        },
    )


@web_view("automation", write=True)
@require_POST
def rule_toggle(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    rule = rule_set_enabled(rule=rule, actor=request.user, enabled=not rule.enabled)
    if _is_htmx(request):
        row = selectors.rule_list().get(pk=rule.pk)
        return render(request, "automation/_rule_row.html", {"rule": row, "can_edit": True})
    messages.success(
        request,
        (_("“%s” is enabled.") if rule.enabled else _("“%s” is disabled.")) % rule.name,
    )
    return redirect("automation:rules")


def _builder_page(request, builder: RuleBuilder, rule: Rule | None, status=200):
    template = "automation/_rule_builder.html" if _is_htmx(request) else "automation/rule_form.html"
    return render(request, template, {**builder.context(), "rule": rule}, status=status)


def _save(request, builder: RuleBuilder, rule: Rule | None):
    data = builder.definition()
    try:
        if rule is None:
            rule = rule_create(actor=request.user, **data)
        else:
            rule = rule_update(rule=rule, actor=request.user, data=data)
    except RuleDefinitionError as exc:
        builder.set_errors(exc.structured)
        return None
    except ValidationError as exc:
        builder.set_errors(exc.message_dict)
        return None
    return rule


@web_view("automation", write=True)
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk=None):
    """Create (no pk) or edit a rule; buttons other than Save only re-render the form."""
    rule = get_object_or_404(Rule, pk=pk) if pk is not None else None
    if request.method == "GET":
        builder = RuleBuilder.from_rule(rule) if rule else RuleBuilder()
        if rule is None:
            builder.apply("add_condition")
            builder.apply("add_action")
        return _builder_page(request, builder, rule)
    builder = RuleBuilder.from_post(request.POST)
    op = request.POST.get("op", "save")
    if op != "save":
        builder.apply(op)
        return _builder_page(request, builder, rule)
    saved = _save(request, builder, rule)
    if saved is None:
        return _builder_page(request, builder, rule, status=400)
    messages.success(request, _("Rule “%s” saved.") % saved.name)
    if _is_htmx(request):
        response = render(request, "automation/_rule_builder.html", builder.context())
        response["HX-Redirect"] = saved_url(saved)
        return response
    return redirect(saved_url(saved))


def saved_url(rule: Rule) -> str:
    from django.urls import reverse

    return reverse("automation:rule_detail", args=[rule.pk])


@web_view("automation", write=True)
@require_POST
def rule_delete_view(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    rule_delete(rule=rule, actor=request.user)
    messages.success(request, _("Rule “%s” deleted.") % rule.name)
    return redirect("automation:rules")


@web_view("automation")
@require_GET
def rule_detail(request, pk):
    """The rule, its run log (filtered by status and dates) and the dry-run form."""
    rule = get_object_or_404(Rule, pk=pk)
    filters = RunFilterForm(request.GET or None)
    runs = selectors.run_list(rule=rule)
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            runs = runs.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["since"]:
            runs = runs.filter(started_at__date__gte=filters.cleaned_data["since"])
        if filters.cleaned_data["until"]:
            runs = runs.filter(started_at__date__lte=filters.cleaned_data["until"])
    page = Paginator(runs.order_by("-started_at", "-id"), RUNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "automation/rule_detail.html",
        {
            "rule": rule,
            "summary": rule_summary(rule),
            "filters": filters,
            "page": page,
            "runs": run_log_rows(page.object_list, user=request.user),
            "query": query.urlencode(),
            "dry_run_form": DryRunForm(),
            "can_edit": policies.can_write(request.user, "automation"),
        },
    )


@web_view("automation")
@require_POST
def rule_dry_run_view(request, pk):
    """Evaluate the rule over past events and say what it would have done; writes nothing."""
    rule = get_object_or_404(Rule, pk=pk)
    form = DryRunForm(request.POST)
    report = rule_dry_run(rule=rule, days=form.cleaned_data["days"]) if form.is_valid() else None
    status = 200 if report else 400
    context = {"rule": rule, "dry_run_form": form, "report": report}
    return render(request, "automation/_dry_run.html", context, status=status)


# --- Campaigns (moved) ------------------------------------------------------------------


@require_GET
def campaigns_moved(request, pk=None, new=False):
    """/campaigns/… was a second Campaigns page over the same rows; bookmarks land on the
    marketing app's one page (the list, its "New campaign" form, a campaign's details)."""
    if pk is not None:
        return redirect("marketing:campaign_details", pk=pk, permanent=True)
    url = reverse("marketing:campaigns")
    if new:
        url += "#new-campaign"
    elif request.GET:
        url += "?" + request.GET.urlencode()
    return HttpResponsePermanentRedirect(url)
