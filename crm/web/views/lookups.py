"""Search-as-you-type results for the form pickers (contacts, companies, deals, users,
campaigns): a handful of matches the user may see, by name, email, phone or company."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.models import Campaign, Company, Contact, Deal, User
from crm.search import search, search_text
from crm.web.access import visible, web_view

LOOKUPS = {
    # kind: (policy resource or None for "any signed-in user", rows, searched fields, order)
    "contacts": (
        "contacts",
        Contact.objects.select_related("company"),
        ("first_name", "last_name", "email", "phone", "company__name"),
        ("first_name", "last_name", "pk"),
    ),
    "companies": (
        "companies",
        Company.objects.all(),
        ("name", "domain", "phone"),
        ("name", "pk"),
    ),
    "deals": (
        "deals",
        Deal.objects.open().select_related("contact", "company"),
        ("title", "contact__first_name", "contact__last_name", "contact__email", "company__name"),
        ("title", "pk"),
    ),
    # Owners and assignees: everyone already chooses among them in the forms' selects.
    "users": (
        None,
        User.objects.filter(is_active=True),
        ("first_name", "last_name", "username", "email"),
        ("first_name", "last_name", "username", "pk"),
    ),
    # Only campaigns still running take new leads (as in the lead form).
    "campaigns": (
        "campaigns",
        Campaign.objects.filter(is_active=True),
        ("name", "channel"),
        ("name", "pk"),
    ),
}
LIMIT = 10


@web_view("account")
@require_GET
def lookup(request, kind):
    if kind not in LOOKUPS:
        raise Http404
    resource, queryset, fields, order = LOOKUPS[kind]
    rows = queryset
    if resource is not None:
        rows = visible(request.user, resource, queryset)
    if kind == "users" and request.GET.getlist("role"):
        rows = rows.filter(role__in=request.GET.getlist("role"))
    query = search_text(request.GET.get("q"))
    if query:
        rows = search(rows, query, fields)
    results = list(rows.order_by(*order)[: LIMIT + 1])
    return render(
        request,
        "web/_lookup_results.html",
        {"results": results[:LIMIT], "more": len(results) > LIMIT, "query": query, "kind": kind},
    )
