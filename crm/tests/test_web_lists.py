"""List pages (search, filters, sort, pagination), detail pages and escaping."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact
from crm.services.contacts import interaction_record, nps_record
from crm.services.deals import deal_create
from crm.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    CompanyFactory,
    ContactFactory,
    LeadFactory,
    NoteFactory,
    PurchaseFactory,
    TicketFactory,
    UserFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db


def test_contact_search_finds_by_name_email_and_company(client, rep):
    ada = ContactFactory(
        first_name="Ada", last_name="Lovelace", company=CompanyFactory(name="Engines")
    )
    ContactFactory(first_name="Grace", last_name="Hopper", email="grace@navy.example")
    client.force_login(rep)
    for query in ("ada love", "Engines", "LOVELACE"):
        rows = list(client.get(reverse("web:contact_list"), {"q": query}).context["rows"])
        assert rows == [ada], query
    rows = list(client.get(reverse("web:contact_list"), {"q": "navy"}).context["rows"])
    assert [c.first_name for c in rows] == ["Grace"]
    empty = client.get(reverse("web:contact_list"), {"q": "nobody"}).content.decode()
    assert "Nothing matches" in empty


def test_contact_filters_sort_and_pagination(client, rep):
    Contact.objects.bulk_create(
        Contact(
            first_name=f"P{i:02d}", last_name=f"L{i:02d}", lifecycle="customer" if i % 2 else "lead"
        )
        for i in range(30)
    )
    client.force_login(rep)
    page1 = client.get(reverse("web:contact_list"), {"lifecycle": "customer"}).context
    assert page1["page_obj"].paginator.count == 15
    first = client.get(reverse("web:contact_list"), {"sort": "-name"}).context["rows"][0]
    assert first.last_name == "L29"
    page2 = client.get(reverse("web:contact_list"), {"page": 2}).context
    assert page2["page_obj"].number == 2 and len(page2["rows"]) == 5
    # Junk input never breaks the page.
    junk = client.get(reverse("web:contact_list"), {"page": "x", "sort": "drop", "owner": "zz"})
    assert junk.status_code == 200


def test_leads_sort_by_score(client, rep):
    for score in (10, 90, 50):
        LeadFactory(owner=rep, score=score)
    client.force_login(rep)
    default = [lead.score for lead in client.get(reverse("web:lead_list")).context["rows"]]
    assert default == [90, 50, 10]
    ascending = client.get(reverse("web:lead_list"), {"sort": "score"}).context["rows"]
    assert [lead.score for lead in ascending] == [10, 50, 90]


def test_open_leads_come_before_converted_and_disqualified_ones_in_any_sort(client, rep):
    LeadFactory(owner=rep, score=95, status="converted", converted_at=timezone.now())
    LeadFactory(owner=rep, score=99, status="disqualified")
    for score in (10, 60):
        LeadFactory(owner=rep, score=score, status="new")
    LeadFactory(owner=rep, score=40, status="qualified")
    client.force_login(rep)

    def listed(**params):
        rows = client.get(reverse("web:lead_list"), params).context["rows"]
        return [(lead.status, lead.score) for lead in rows]

    assert listed() == [
        ("new", 60),
        ("qualified", 40),
        ("new", 10),
        ("disqualified", 99),
        ("converted", 95),
    ]
    assert listed(sort="score") == [
        ("new", 10),
        ("qualified", 40),
        ("new", 60),
        ("converted", 95),
        ("disqualified", 99),
    ]
    # A filter for converted leads still lists them.
    assert listed(status="converted") == [("converted", 95)]


def test_ticket_queue_orders_by_priority_then_sla_and_flags_breaches(client, support_agent):
    now = timezone.now()
    low = TicketFactory(subject="low", priority="low", sla_due_at=now + timedelta(hours=5))
    late = TicketFactory(subject="late", priority="normal", sla_due_at=now - timedelta(hours=1))
    urgent = TicketFactory(subject="urgent", priority="urgent", sla_due_at=now + timedelta(hours=1))
    TicketFactory(
        subject="done", status="resolved", opened_at=now - timedelta(hours=2), resolved_at=now
    )
    client.force_login(support_agent)
    response = client.get(reverse("web:ticket_list"))
    assert [t.pk for t in response.context["rows"]] == [urgent.pk, late.pk, low.pk]
    assert "SLA breached" in response.content.decode()
    breached = client.get(reverse("web:ticket_list"), {"breached": "on"}).context["rows"]
    assert [t.pk for t in breached] == [late.pk]


@pytest.mark.parametrize(
    ("name", "factory"),
    [
        ("web:contact_list", lambda rep: ContactFactory(owner=rep)),
        ("web:company_list", lambda rep: CompanyFactory()),
        ("web:lead_list", lambda rep: LeadFactory(owner=rep)),
        ("web:activity_list", lambda rep: ActivityFactory(assignee=rep)),
        ("web:ticket_list", lambda rep: TicketFactory(contact=ContactFactory(owner=rep))),
    ],
)
def test_list_query_count_is_bounded(client, rep, django_assert_max_num_queries, name, factory):
    for _ in range(30):
        factory(rep)
    client.force_login(rep)
    with django_assert_max_num_queries(12):
        assert client.get(reverse(name)).status_code == 200


def test_deal_list_query_count_is_bounded(client, rep, django_assert_max_num_queries):
    stages = pipeline_with_stages(is_default=True)[1]
    for i in range(30):
        deal_create(actor=rep, title=f"D{i}", stage=stages[i % 4], contact=ContactFactory())
    client.force_login(rep)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("web:deal_list")).status_code == 200


def test_contact_timeline_merges_everything_newest_first(client, manager, rep):
    stages = pipeline_with_stages(is_default=True)[1]
    contact = ContactFactory(owner=rep)
    now = timezone.now()
    interaction_record(
        actor=rep,
        contact=contact,
        kind="website_visit",
        url="https://x.example/p",
        occurred_at=now - timedelta(days=5),
    )
    deal = deal_create(actor=rep, title="Big deal", stage=stages[0], contact=contact)
    ActivityFactory(
        assignee=rep, contact=contact, subject="Intro call", due_at=now - timedelta(days=3)
    )
    PurchaseFactory(contact=contact, product="Pro plan", purchased_at=now - timedelta(days=1))
    TicketFactory(contact=contact, subject="Help", opened_at=now - timedelta(days=2))
    nps_record(actor=manager, contact=contact, score=9, responded_at=now - timedelta(hours=1))
    client.force_login(manager)
    timeline = client.get(reverse("web:contact_detail", args=[contact.pk])).context["timeline"]
    kinds = [entry.kind for entry in timeline]
    assert kinds == ["deal", "nps", "purchase", "ticket", "activity", "interaction"]
    assert timeline[0].url == reverse("web:deal_detail", args=[deal.pk])


def test_contact_timeline_queries_do_not_grow(client, manager, django_assert_max_num_queries):
    contact = ContactFactory()
    for _ in range(20):
        TicketFactory(contact=contact)
        ActivityFactory(contact=contact)
        NoteFactory(contact=contact, author=UserFactory())
    client.force_login(manager)
    # Notes: one read for the timeline, one for the panel; emails: one for the timeline,
    # one for the panel.
    with django_assert_max_num_queries(17):
        client.get(reverse("web:contact_detail", args=[contact.pk]))


def test_user_text_is_escaped_everywhere(client, rep):
    evil = "<script>window.__xss=1</script>"
    stages = pipeline_with_stages(is_default=True)[1]
    contact = ContactFactory(first_name=evil, owner=rep)
    deal_create(actor=rep, title=evil, stage=stages[0], contact=contact)
    client.force_login(rep)
    for url in (
        reverse("web:contact_list"),
        reverse("web:contact_detail", args=[contact.pk]),
        reverse("web:board"),
        reverse("web:deal_list"),
        reverse("web:lookup", args=["contacts"]) + "?q=script",
    ):
        html = client.get(url).content.decode()
        assert evil not in html, url
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html, url


def test_lookup_only_offers_visible_rows(client, rep, other_rep):
    stages = pipeline_with_stages(is_default=True)[1]
    deal_create(actor=rep, title="Mine alpha", stage=stages[0])
    deal_create(actor=other_rep, title="Theirs alpha", stage=stages[0])
    client.force_login(rep)
    html = client.get(reverse("web:lookup", args=["deals"]), {"q": "alpha"}).content.decode()
    assert "Mine alpha" in html and "Theirs alpha" not in html
    assert client.get(reverse("web:lookup", args=["nonsense"])).status_code == 404


def test_lookup_searches_accents_case_phone_email_and_company(client, rep):
    company = CompanyFactory(name="Büyük Holding")
    wanted = ContactFactory(
        first_name="Şükrü", last_name="Çelik", phone="+90 532 111 2233", company=company
    )
    ContactFactory(first_name="Ayşe", last_name="Kaya", email="ayse@example.com")
    client.force_login(rep)
    url = reverse("web:lookup", args=["contacts"])
    for query in ("sukru", "ÇELİK", "celik sük", "532 111", "buyuk hold", wanted.email[:9]):
        html = client.get(url, {"q": query}).content.decode()
        assert f'data-value="{wanted.pk}"' in html, query
        assert "Ayşe" not in html, query
    assert "No matches." in client.get(url, {"q": "nobody"}).content.decode()


def test_lookup_of_users_and_campaigns(client, rep, manager):
    client.force_login(rep)
    html = client.get(reverse("web:lookup", args=["users"]), {"q": manager.username}).content
    assert f'data-value="{manager.pk}"'.encode() in html
    CampaignFactory(name="Spring Fair", is_active=True)
    CampaignFactory(name="Spring Old", is_active=False)
    html = client.get(reverse("web:lookup", args=["campaigns"]), {"q": "spring"}).content
    assert b"Spring Fair" in html and b"Spring Old" not in html


def test_home_for_each_role(client, rep, support_agent, marketer, manager):
    ActivityFactory(assignee=rep, subject="Overdue call", due_at=timezone.now() - timedelta(days=2))
    ActivityFactory(
        assignee=rep, subject="Today call", due_at=timezone.localtime().replace(hour=23, minute=0)
    )
    client.force_login(rep)
    response = client.get("/")
    assert [a.subject for a in response.context["day"]["overdue"]] == ["Overdue call"]
    assert [a.subject for a in response.context["day"]["today"]] == ["Today call"]
    # What the page shows, not only what the view passed: a template variable named
    # `day` once shadowed the tasks and My day rendered none.
    html = response.content.decode()
    assert "Overdue (1)" in html
    assert html.index("Overdue call") < html.index("Due today") < html.index("Today call")
    client.force_login(support_agent)
    assert reverse("web:ticket_list") in client.get("/").content.decode()
    client.force_login(marketer)
    assert reverse("web:lead_list") in client.get("/").content.decode()
    client.force_login(manager)
    assert reverse("web:board") in client.get("/").content.decode()
