"""Companies: list, detail with their people and deals, create/edit/delete."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm import policies
from crm.filters import CompanyFilter
from crm.models import Company, Contact, Deal
from crm.services.contacts import company_create, company_update
from crm.services.contacts import company_delete as company_delete_service
from crm.web.access import access_row, visible, web_view
from crm.web.forms.contacts import CompanyForm
from crm.web.list_state import ListChoice, list_choice
from crm.web.lists import ListSpec, list_context
from crm.web.views.common import form_round_trip
from crm.web.views.deletion import delete_round_trip
from crm.web.views.notes import notes_context

SPEC = ListSpec(
    filter_bar=("industry", "owner"),
    sorts={"name": ("name",), "industry": ("industry",), "contacts": ("contact_count",)},
    default_sort="name",
)


def contact_count():
    """Each company's number of contacts, as a subquery per row: PostgreSQL counts them for
    the page's 25 companies only, where Count("contacts") grouped every company's contacts
    before the first page could be read from the name index."""
    per_company = (
        Contact.objects.filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(per_company, output_field=IntegerField()), 0)


@web_view("companies")
def company_list(request):
    choice = list_choice(request, "companies")
    if not isinstance(choice, ListChoice):
        return choice
    companies = (
        visible(request.user, "companies", Company.objects.all())
        .select_related("owner")
        .annotate(contact_count=contact_count())
    )
    filterset = CompanyFilter(request.GET, queryset=companies)
    context = list_context(request, companies, SPEC, filterset)
    context["list_view"] = choice
    context["can_create"] = policies.can_write(request.user, "companies")
    return render(request, "companies/list.html", context)


@web_view("companies")
def company_detail(request, pk):
    user = request.user
    company = access_row(user, "companies", Company.objects.select_related("owner"), pk)
    deals = []
    if policies.can_read(user, "deals"):
        deals = list(
            policies.scope(user, "deals", Deal.objects.filter(company=company))
            .select_related("stage", "owner")
            .order_by("-created_at")[:50]
        )
    return render(
        request,
        "companies/detail.html",
        {
            "company": company,
            "contacts": list(company.contacts.select_related("owner").order_by("last_name")[:100]),
            "contact_total": company.contacts.count(),
            "deals": deals,
            "can_edit": policies.can_edit_row(user, "companies", company),
            "notes": notes_context(user, "company", company),
        },
    )


@web_view("companies", write=True)
def company_create_view(request):
    user = request.user
    form = CompanyForm(request.POST or None, user=user)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: company_create(actor=user, **data),
        success_url=lambda c: reverse("web:company_detail", args=[c.pk]),
        success_message=_("Company created."),
        context={"heading": _("New company"), "cancel_url": reverse("web:company_list")},
    )


@web_view("companies", write=True)
def company_edit(request, pk):
    user = request.user
    company = access_row(user, "companies", Company.objects.all(), pk, write=True)
    form = CompanyForm(request.POST or None, instance=company, user=user)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: company_update(company=Company.objects.get(pk=pk), actor=user, data=data),
        success_url=lambda c: reverse("web:company_detail", args=[c.pk]),
        success_message=_("Company saved."),
        context={
            "heading": _("Edit %(name)s") % {"name": company},
            "cancel_url": reverse("web:company_detail", args=[pk]),
            "back_url": reverse("web:company_detail", args=[pk]),
            "back_label": str(company),
        },
    )


@web_view("companies", write=True)
def company_delete(request, pk):
    company = access_row(request.user, "companies", Company.objects.all(), pk, write=True)
    return delete_round_trip(
        request,
        obj=company,
        kind=_("company"),
        consequence=_("Its contacts and deals stay, without a company."),
        check=lambda: policies.require_may_remove(request.user, "companies", company),
        delete=lambda: company_delete_service(company=company, actor=request.user),
        cancel_url=reverse("web:company_detail", args=[pk]),
        success_url=reverse("web:company_list"),
    )
