"""Search-as-you-type results for the form pickers (contacts, companies, deals)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.models import Company, Contact, Deal
from crm.web.access import visible
from crm.web.lists import search
from crm.web.params import search_text

LOOKUPS = {
    # kind: (policy resource, queryset, searched fields)
    "contacts": ("contacts", Contact.objects.all(), ("first_name", "last_name", "email")),
    "companies": ("companies", Company.objects.all(), ("name", "domain")),
    "deals": ("deals", Deal.objects.open(), ("title",)),
}
LIMIT = 10


@login_required
@require_GET
def lookup(request, kind):
    if kind not in LOOKUPS:
        raise Http404
    resource, queryset, fields = LOOKUPS[kind]
    query = search_text(request.GET.get("q"))
    rows = visible(request.user, resource, queryset)
    results = list(search(rows, query, fields)[:LIMIT]) if query else list(rows[:LIMIT])
    return render(request, "web/_lookup_results.html", {"results": results, "query": query})
