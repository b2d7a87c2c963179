"""Every page of every role, in each of our users' languages, shows no English interface text.

The world below is written in Turkish and Persian (names, titles, notes) so that any
English left on a page is the interface's, not the data's. A page counts as seen when it
answers 200 for the role; the policy tests decide which roles that is.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop, override

from automation.marketing.models import ScoringRule, Segment, StepKind
from automation.marketing.services.campaigns import step_create, variant_language_create
from automation.marketing.services.enrollments import campaign_enroll_contact
from automation.models import Rule, Run, RunStatus
from automation.said import said
from crm.models import (
    DomainEvent,
    DomainEventKind,
    EmailMessage,
    EmailTemplate,
    ImportJob,
    LostReason,
    Notification,
    SavedView,
)
from crm.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    NoteFactory,
    NpsResponseFactory,
    PurchaseFactory,
    SubscriptionFactory,
    SuppressedAddressFactory,
    TeamFactory,
    TicketFactory,
    pipeline_with_stages,
)
from goals.tests.factories import GoalFactory, QuotaFactory, snapshot
from metrics.models import ExchangeRate

from .i18n_pages import EnglishFinder, english_sentences

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LANGUAGES = ["de", "tr", "ko", "fa", "ro"]
ROLES = ["rep", "manager", "marketer", "support_agent", "admin_user"]


@pytest.fixture
def world(rep, other_rep, manager, settings, tmp_path, client, admin_user):
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    pipeline, stages = pipeline_with_stages(
        names=("Nitelikli", "İhtiyaç analizi", "Teklif", "Pazarlık"), is_default=True, name="Satış"
    )
    company = CompanyFactory(name="Kestane Gıda", domain="kestane.example")
    contact = ContactFactory(owner=rep, first_name="Şebnem", last_name="Yıldız", company=company)
    twin = ContactFactory(owner=rep, first_name="Şebnem", last_name="Yıldız", email="")
    persian = ContactFactory(owner=other_rep, first_name="شیرین", last_name="کریمی")
    deal = DealFactory(
        stage=stages[2], owner=rep, contact=contact, company=company, title="Lisans yenilemesi"
    )
    DealFactory(
        stage=stages[3],
        owner=rep,
        contact=contact,
        title="Yazarkasa",
        status="won",
        created_at=now - timedelta(days=20),
        closed_at=now - timedelta(days=3),
        value=Decimal("1500.00"),
    )
    DealFactory(
        stage=stages[1],
        owner=other_rep,
        contact=persian,
        title="قرارداد پشتیبانی",
        status="lost",
        created_at=now - timedelta(days=20),
        closed_at=now - timedelta(days=2),
        lost_reason="قیمت",
    )
    lead = LeadFactory(owner=rep, contact=twin)
    ActivityFactory(assignee=rep, deal=deal, subject="Şebnem Hanım'ı ara")
    ActivityFactory(
        assignee=rep,
        deal=deal,
        subject="Teklif görüşmesi",
        done_at=now - timedelta(hours=2),
        outcome="left_voicemail",
        notes="Fiyatı beğendi. " * 20,
    )
    ticket = TicketFactory(contact=contact, subject="Fatura hatalı")
    # Notes everywhere they show: pinned and edited on the deal, on the ticket and company.
    deal_note = NoteFactory(
        author=rep, contact=None, deal=deal, body="Bütçe onaylandı", pinned=True, edited_at=now
    )
    NoteFactory(author=rep, contact=None, ticket=ticket, body="Müşteri iki kez aradı")
    NoteFactory(author=rep, contact=None, company=company, body="Hedef şirket")
    PurchaseFactory(contact=contact, product="Analiz paketi", category="Yazılım")
    SubscriptionFactory(contact=contact, plan="Ekip")
    NpsResponseFactory(contact=contact, comment="Çok iyi")
    SuppressedAddressFactory(email="eski@kestane.example")
    Notification.objects.create(user=rep, message="Şebnem aradı", url="/")
    goal = GoalFactory(
        title="Kaybı azalt", owner=manager, plan="Her yenilemeyi ara.", resources="İki kişi."
    )
    for days_ago, value in [(30, 8), (20, 7.5), (10, 7), (0, 6.8)]:
        snapshot("churn_rate", timezone.localdate() - timedelta(days=days_ago), value)
    QuotaFactory(owner=rep)
    # A money goal: the pipeline forecast at its deadline and the deals still needed.
    revenue_goal = GoalFactory(
        title="Geliri artır",
        owner=manager,
        plan="Her teklifi takip et.",
        resources="Üç temsilci.",
        kpi="new_revenue",
        objective="sell_more",
        baseline=Decimal("0"),
        target=Decimal("100000"),
    )
    campaign = CampaignFactory(name="Hoş geldin serisi")
    for subject in ("Merhaba {{ contact.first_name }}", "Yeni ürünlerimiz"):
        step_create(
            campaign=campaign,
            actor=None,
            kind=StepKind.EMAIL,
            subject=subject,
            body="Hoş geldiniz.",
        )
    # A language version, so the editor lists the languages covered.
    variant_language_create(
        variant=campaign.steps.order_by("position").first().variants.get(),
        actor=None,
        language="de",
        subject="Willkommen",
        body="Willkommen.",
    )
    segment = Segment.objects.create(name="VIP müşteriler", conditions=[])
    campaign_enroll_contact(campaign=campaign, contact=contact)
    ScoringRule.objects.create(kind="attribute", field="source", value="web", points=5)
    rule = Rule.objects.order_by("pk").first()
    _run_log(rule, deal)
    client.force_login(admin_user)
    client.post(
        reverse("importing:start"),
        {
            "kind": "contacts",
            "file": SimpleUploadedFile(
                "kişiler.csv", "Ad,Soyad,E-posta\nAyşe,Kaya,ayse@example.com\n".encode()
            ),
        },
    )
    client.logout()
    team = TeamFactory(name="Kuzey ekibi", manager=manager)
    rep.team = manager.team = team
    rep.save(update_fields=["team"])
    manager.save(update_fields=["team"])
    SavedView.objects.create(
        owner=manager,
        team=team,
        shared=True,
        list_key="deals",
        name="Teklif aşaması",
        query={"stage": str(stages[2].pk)},
        columns=["stage", "owner"],
    )
    return {
        "pk": {
            "deal": deal.pk,
            "lead": lead.pk,
            "contact": contact.pk,
            "company": company.pk,
            "ticket": ticket.pk,
            "note": deal_note.pk,
            "goal": goal.pk,
            "revenue_goal": revenue_goal.pk,
            "rule": rule.pk,
            "campaign": campaign.pk,
            "segment": segment.pk,
            "job": ImportJob.objects.get().pk,
            "pipeline": pipeline.pk,
            "stage": stages[0].pk,
            "team": team.pk,
            "view": SavedView.objects.create(
                owner=rep, list_key="deals", name="Açık fırsatlarım", query={"status": "open"}
            ).pk,
            "reason": LostReason.objects.create(name="Bütçe yok", position=99).pk,
            "rep": rep.pk,
            # An email sent from the deal and its reply: the deal, contact and ticket
            # pages list them, the reply form quotes the sent one.
            "email": _email_thread(rep, deal),
            "email_template": EmailTemplate.objects.create(
                name="Teklif takibi", subject="{deal} teklifi", body="Merhaba {first_name}"
            ).pk,
            "rate": ExchangeRate.objects.create(
                currency="EUR", rate="0.9", valid_from="2018-01-01"
            ).pk,
        },
        "merge": [contact.pk, twin.pk],
    }


def _run_log(rule, deal):
    """Two runs of `rule` on `deal` as the worker logs them (in English)."""
    event = DomainEvent.objects.create(
        kind=DomainEventKind.DEAL_CREATED, subject_type="deal", subject_id=deal.pk
    )
    with override("en"):
        done = said(gettext_noop("tagged %(tag)s"), tag="vip")
    Run.objects.create(
        rule=rule,
        event=event,
        event_kind=event.kind,
        subject_type="deal",
        subject_id=deal.pk,
        status=RunStatus.SUCCEEDED,
        summary=done,
        outcome=[{"action": "add_tag", "summary": str(done), "said": done.as_data()}],
    )
    Run.objects.create(
        rule=rule,
        event=DomainEvent.objects.create(
            kind=DomainEventKind.DEAL_VALUE_CHANGED, subject_type="deal", subject_id=deal.pk
        ),
        event_kind=DomainEventKind.DEAL_VALUE_CHANGED,
        subject_type="deal",
        subject_id=deal.pk,
        status=RunStatus.SKIPPED,
        summary="Conditions not met.",
    )


def _email_thread(rep, deal) -> int:
    now = timezone.now()
    sent = EmailMessage.objects.create(
        direction="sent",
        source="composed",
        contact=deal.contact,
        deal=deal,
        author=rep,
        to_address=deal.contact.email,
        subject="Teklifiniz",
        body="Merhaba",
        sent_at=now - timedelta(hours=1),
    )
    EmailMessage.objects.create(
        direction="received",
        source="manual",
        contact=deal.contact,
        deal=deal,
        parent=sent,
        from_address=deal.contact.email,
        subject="Re: Teklifiniz",
        body="Teşekkürler",
        sent_at=now,
    )
    return sent.pk


def _pages(world) -> list[str]:
    pk = world["pk"]
    return [
        reverse("web:home"),
        reverse("web:board"),
        reverse("web:deal_list"),
        reverse("web:deal_create"),
        reverse("web:deal_detail", args=[pk["deal"]]),
        reverse("web:deal_edit", args=[pk["deal"]]),
        reverse("web:lead_list"),
        reverse("web:lead_create"),
        reverse("web:lead_detail", args=[pk["lead"]]),
        reverse("web:contact_list"),
        reverse("web:contact_create"),
        reverse("web:contact_detail", args=[pk["contact"]]),
        reverse("web:company_list"),
        reverse("web:company_detail", args=[pk["company"]]),
        reverse("web:activity_list"),
        reverse("web:activity_create"),
        reverse("web:ticket_list"),
        reverse("web:ticket_create"),
        reverse("web:ticket_detail", args=[pk["ticket"]]),
        reverse("web:notifications"),
        reverse("web:note_add", args=["deal", pk["deal"]]),
        reverse("web:note_edit", args=[pk["note"]]),
        reverse("web:note_delete", args=[pk["note"]]),
        reverse("web:saved_view_list"),
        reverse("web:saved_view_edit", args=[pk["view"]]),
        reverse("web:saved_view_delete", args=[pk["view"]]),
        reverse("web:suppression_list"),
        reverse("metrics:dashboard"),
        reverse("metrics:forecast"),
        reverse("metrics:forecast") + "?period=quarter&drill=" + str(timezone.localdate()),
        reverse("metrics:reports"),
        reverse("metrics:report_sales"),
        reverse("metrics:report_pipeline"),
        reverse("metrics:report_marketing"),
        reverse("metrics:report_support"),
        reverse("metrics:kpi_records", args=["close_rate"]),
        reverse("metrics:kpi_records", args=["nps"]),
        reverse("metrics:kpi_records", args=["cac"]),
        reverse("metrics:kpi_records", args=["new_revenue"]),
        reverse("metrics:kpi_records", args=["sales_cycle_days"]),
        reverse("goals:list"),
        reverse("goals:create"),
        reverse("goals:detail", args=[pk["goal"]]),
        reverse("goals:detail", args=[pk["revenue_goal"]]),
        reverse("goals:edit", args=[pk["goal"]]),
        reverse("goals:quotas"),
        reverse("automation:rules"),
        reverse("automation:rule_create"),
        reverse("automation:rule_detail", args=[pk["rule"]]),
        reverse("automation:rule_edit", args=[pk["rule"]]),
        reverse("marketing:campaigns"),
        reverse("marketing:campaigns") + "?kind=attribution",
        reverse("marketing:campaign", args=[pk["campaign"]]),
        reverse("marketing:campaign_details", args=[pk["campaign"]]),
        reverse("marketing:campaign_report", args=[pk["campaign"]]),
        reverse("marketing:segments"),
        reverse("marketing:segment_new"),
        reverse("marketing:segment", args=[pk["segment"]]),
        reverse("marketing:scoring"),
        reverse("importing:start"),
        reverse("importing:mapping", args=[pk["job"]]),
        reverse("importing:detail", args=[pk["job"]]),
        reverse("importing:quality"),
        reverse("importing:duplicates"),
        reverse("importing:merges"),
        reverse("importing:merge", args=["contact", *world["merge"]]),
        reverse("metrics:exchange_rates"),
        reverse("metrics:exchange_rate_add"),
        reverse("metrics:exchange_rate_edit", args=[pk["rate"]]),
        reverse("metrics:exchange_rate_import"),
        reverse("password_change"),
        reverse("web:settings"),
        reverse("web:settings_users"),
        reverse("web:settings_user_invite"),
        reverse("web:settings_user_edit", args=[pk["rep"]]),
        reverse("web:settings_user_deactivate", args=[pk["rep"]]),
        reverse("web:settings_teams"),
        reverse("web:settings_team_create"),
        reverse("web:settings_team_edit", args=[pk["team"]]),
        reverse("web:settings_pipelines"),
        reverse("web:settings_pipeline_create"),
        reverse("web:settings_pipeline", args=[pk["pipeline"]]),
        reverse("web:settings_pipeline_edit", args=[pk["pipeline"]]),
        reverse("web:settings_stage_create", args=[pk["pipeline"]]),
        reverse("web:settings_stage_edit", args=[pk["stage"]]),
        reverse("web:settings_lost_reasons"),
        reverse("web:settings_lost_reason_create"),
        reverse("web:settings_lost_reason_edit", args=[pk["reason"]]),
        reverse("web:settings_sla"),
        reverse("web:settings_email"),
        reverse("web:settings_email_templates"),
        reverse("web:settings_email_template_create"),
        reverse("web:settings_email_template_edit", args=[pk["email_template"]]),
        reverse("web:deal_email", args=[pk["deal"]]),
        reverse("web:deal_email", args=[pk["deal"]]) + f"?template={pk['email_template']}",
        reverse("web:contact_email", args=[pk["contact"]]),
        reverse("web:ticket_email", args=[pk["ticket"]]),
        reverse("web:email_reply_record", args=[pk["email"]]),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_shows_english_to_any_role(client, request, world, language):
    finder = EnglishFinder(language)
    seen, english = 0, {}
    for role in ROLES:
        client.force_login(request.getfixturevalue(role))
        for url in _pages(world):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            if response.status_code != 200:
                continue
            seen += 1
            html = response.content.decode()
            for text in finder.english_in(html) + english_sentences(html, language=language):
                english.setdefault(text, set()).add(url)
    assert seen > 150
    print("ENGLISH", language, {text: sorted(urls)[:3] for text, urls in english.items()})
    assert {text: sorted(urls)[:3] for text, urls in english.items()} == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_form_errors_read_in_each_language(client, admin_user, world, language):
    """A goal that fails its SMART letters, a rule without triggers, a deal without a title."""
    finder = EnglishFinder(language)
    client.force_login(admin_user)
    posts = [
        (reverse("goals:create"), {"title": "", "kpi": "churn_rate", "target": "-5"}),
        # Only a title: Measurable and Time-bound errors, Achievable's warnings.
        (reverse("goals:create"), {"title": "Prevent churn"}),
        (reverse("automation:rule_create"), {"name": "", "match": "all"}),
        (reverse("web:deal_create"), {"title": "", "value": "1.500,00x"}),
        (reverse("web:contact_create"), {"first_name": "", "email": "not-an-address"}),
        (reverse("web:note_add", args=["deal", world["pk"]["deal"]]), {"body": " "}),
        (reverse("web:deal_email", args=[world["pk"]["deal"]]), {"subject": "", "body": ""}),
    ]
    english = {}
    for url, data in posts:
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code in (200, 400, 422), url
        html = response.content.decode()
        assert 'class="error' in html or "errorlist" in html, url
        for text in finder.english_in(html) + english_sentences(html, language=language):
            english.setdefault(text, []).append(url)
    assert english == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_signed_out_pages_show_no_english(client, language):
    finder = EnglishFinder(language)
    english = {}
    for url in [reverse("login"), reverse("password_reset"), reverse("password_reset_done")]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        html = response.content.decode()
        for text in finder.english_in(html) + english_sentences(html, language=language):
            english.setdefault(text, []).append(url)
    assert english == {}
