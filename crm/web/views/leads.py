"""Leads: list sortable by score, detail with convert-to-deal, create/edit/delete."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm import policies
from crm.filters import LeadFilter
from crm.models import Activity, Lead
from crm.models.sales import CLOSED_LEAD_STATUSES, LEAD_CLOSED
from crm.services.deals import default_pipeline
from crm.services.leads import lead_convert, lead_create, lead_update
from crm.services.leads import lead_delete as lead_delete_service
from crm.web.access import access_row, require_write, visible, web_view
from crm.web.forms.leads import LeadConvertForm, LeadForm
from crm.web.list_state import ListChoice, list_choice
from crm.web.lists import ListSpec, list_context
from crm.web.params import positive_int
from crm.web.views.bulk_bar import bulk_bar
from crm.web.views.common import form_round_trip
from crm.web.views.deletion import delete_round_trip

SPEC = ListSpec(
    filter_bar=("status", "source", "min_score", "owner"),
    sorts={
        "score": ("score",),
        "name": ("contact__last_name", "contact__first_name"),
        "status": ("status",),
        "created": ("created_at",),
    },
    default_sort="-score",
    # Open leads before converted and disqualified ones, whatever the sort: the list is a
    # rep's work queue, and a converted lead's high score would otherwise top it.
    pinned=("closed",),
)


def lead_list_rows(user, params):
    """The lead list's rows before search and paging, and its filter (also for bulk)."""
    leads = (
        visible(user, "leads", Lead.objects.all())
        .select_related("contact", "owner", "campaign")
        .annotate(closed=LEAD_CLOSED)
    )
    return leads, LeadFilter(params, queryset=leads)


@web_view("leads")
def lead_list(request):
    choice = list_choice(request, "leads")
    if not isinstance(choice, ListChoice):
        return choice
    leads, filterset = lead_list_rows(request.user, request.GET)
    user = request.user
    hidden = () if user.sees_all_sales or user.has_role("marketing") else ("owner",)
    context = list_context(request, leads, SPEC, filterset, hidden=hidden)
    context["list_view"] = choice
    context["bulk"] = bulk_bar(request, "leads", context)
    return render(request, "leads/list.html", context)


@web_view("leads")
def lead_detail(request, pk):
    user = request.user
    lead = access_row(
        user, "leads", Lead.objects.select_related("contact", "owner", "campaign", "deal"), pk
    )
    convertible = lead.status not in CLOSED_LEAD_STATUSES
    convert_form = None
    if convertible and policies.can_write(user, "deals"):
        try:
            pipeline = default_pipeline()
        except ValidationError:
            pipeline = None
        if pipeline is not None:
            convert_form = LeadConvertForm(
                pipeline=pipeline, initial={"title": str(lead.contact), "value": 0}
            )
    activities = policies.scope(user, "activities", Activity.objects.filter(lead=lead))
    return render(
        request,
        "leads/detail.html",
        {
            "lead": lead,
            "convert_form": convert_form,
            "activities": list(
                activities.select_related("deal", "contact").order_by("-created_at")[:50]
            ),
            "deal_visible": lead.deal_id
            and policies.scope(user, "deals", lead.contact.deals.filter(pk=lead.deal_id)).exists(),
        },
    )


@web_view("leads", write=True)
def lead_create_view(request):
    user = request.user
    initial = {}
    if contact_id := positive_int(request.GET.get("contact")):
        initial["contact"] = contact_id
    form = LeadForm(request.POST or None, user=user, initial=initial)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: lead_create(actor=user, **data),
        success_url=lambda lead: reverse("web:lead_detail", args=[lead.pk]),
        success_message=_("Lead created."),
        context={"heading": _("New lead"), "cancel_url": reverse("web:lead_list")},
    )


@web_view("leads", write=True)
def lead_edit(request, pk):
    user = request.user
    lead = access_row(user, "leads", Lead.objects.select_related("contact"), pk, write=True)
    form = LeadForm(request.POST or None, instance=lead, user=user)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: lead_update(lead=lead, actor=user, data=data),
        success_url=lambda lead: reverse("web:lead_detail", args=[lead.pk]),
        success_message=_("Lead saved."),
        context={
            "heading": _("Edit lead: %(name)s") % {"name": lead.contact},
            "cancel_url": reverse("web:lead_detail", args=[pk]),
            "back_url": reverse("web:lead_detail", args=[pk]),
            "back_label": str(lead.contact),
        },
    )


@web_view("leads", write=True)
def lead_delete(request, pk):
    lead = access_row(request.user, "leads", Lead.objects.select_related("contact"), pk, write=True)
    return delete_round_trip(
        request,
        obj=lead,
        kind=_("lead"),
        delete=lambda: lead_delete_service(lead=lead, actor=request.user),
        cancel_url=reverse("web:lead_detail", args=[pk]),
        success_url=reverse("web:lead_list"),
    )


@web_view("leads", write=True)
def lead_convert_view(request, pk):
    """Convert a lead into a deal in the default pipeline (lead_convert opens the deal)."""
    user = request.user
    lead = access_row(user, "leads", Lead.objects.select_related("contact"), pk, write=True)
    require_write(user, "deals")  # marketing qualifies leads; sales turns them into deals
    try:
        pipeline = default_pipeline()
    except ValidationError:
        return render(request, "board/no_pipeline.html")
    form = LeadConvertForm(
        request.POST or None,
        pipeline=pipeline,
        initial={"title": str(lead.contact), "value": 0},
    )
    return form_round_trip(
        request,
        form=form,
        save=lambda data: lead_convert(lead=lead, actor=user, pipeline=pipeline, **data),
        success_url=lambda lead: reverse("web:deal_detail", args=[lead.deal_id]),
        success_message=_("Lead converted: the deal is on your board."),
        context={
            "heading": _("Convert %(name)s to a deal") % {"name": lead.contact},
            "submit_label": _("Convert to deal"),
            "cancel_url": reverse("web:lead_detail", args=[pk]),
            "back_url": reverse("web:lead_detail", args=[pk]),
            "back_label": str(lead.contact),
        },
    )
