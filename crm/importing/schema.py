"""What each kind of import accepts: its target fields, their types and header synonyms.

Synonyms are written already normalised (lower case, no accents, no spaces or
punctuation: see `mapping.normalise_header`), in the languages of the teams that use
Goalpost (English, German, Turkish, Romanian, Persian, Korean) plus a few common ones.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from crm.models import (
    ActivityKind,
    DealKind,
    DealStatus,
    Education,
    ForecastCategory,
    Gender,
    ImportKind,
    IncomeBand,
    LeadStatus,
    Lifecycle,
    MaritalStatus,
    Source,
    TicketPriority,
    TicketStatus,
)

if TYPE_CHECKING:
    import builtins

    from django.db import models
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class ImportField:
    name: str
    label: "StrOrPromise"
    # str, email, decimal, integer, date, datetime, bool, choice, user, pipeline, stage,
    # campaign, company (a name, found or created), domain, tags, full_name (its
    # extra["prefix"] names the fields it fills: "contact_" fills contact_first_name),
    # deal (a title), language (a code or name of one of settings.LANGUAGES),
    # deal_id and lead_id (ids, as the lead and activity exports write them)
    type: str = "str"
    required: bool = False
    synonyms: tuple[str, ...] = ()
    # builtins.type: in this class body `type` names the field above.
    choices: "builtins.type[models.Choices] | None" = None
    # "model.field" whose max_length and validators also apply.
    model_field: str = ""
    max_length: int | None = None
    help: "StrOrPromise" = ""
    extra: dict = field(default_factory=dict)


EMAIL: tuple[str, ...] = (
    "email",
    "emailaddress",
    "mail",
    "mailaddress",
    "correo",
    "courriel",
    "eposta",
)
EMAIL += ("epostaadresi", "adresaemail", "emailadresse", "이메일", "ایمیل", "پستالکترونیک")
FIRST_NAME: tuple[str, ...] = (
    "firstname",
    "first",
    "givenname",
    "forename",
    "vorname",
    "prenom",
    "nombre",
)
FIRST_NAME += ("ad", "adi", "isim", "prenume", "이름", "نام")
LAST_NAME: tuple[str, ...] = (
    "lastname",
    "last",
    "surname",
    "familyname",
    "nachname",
    "familienname",
    "nom",
)
LAST_NAME += ("apellido", "soyad", "soyadi", "soyisim", "nume", "성", "نامخانوادگی")
FULL_NAME: tuple[str, ...] = (
    "name",
    "fullname",
    "contactname",
    "contact",
    "person",
    "kontakt",
    "adsoyad",
)
FULL_NAME += ("numecomplet", "성명", "نامکامل")
PHONE: tuple[str, ...] = (
    "phone",
    "phonenumber",
    "telephone",
    "tel",
    "mobile",
    "cell",
    "cellphone",
    "telefon",
)
PHONE += ("telefonnummer", "handy", "gsm", "telefono", "전화", "전화번호", "تلفن", "موبایل")
COMPANY: tuple[str, ...] = (
    "company",
    "companyname",
    "organization",
    "organisation",
    "org",
    "account",
)
COMPANY += ("accountname", "firma", "firmenname", "unternehmen", "sirket", "firmaadi")
COMPANY += ("companie", "회사", "회사명", "شرکت")
OWNER: tuple[str, ...] = ("owner", "salesrep", "rep", "assignedto", "accountowner", "contactowner")
OWNER += ("besitzer", "verantwortlich", "sahibi", "sorumlu", "responsabil", "담당자")
CREATED_AT: tuple[str, ...] = ("createdat", "created", "createdon", "datecreated", "creationdate")
CREATED_AT += ("erstelltam", "erstellt", "olusturma", "olusturmatarihi", "datacrearii")

CONTACT_FIELDS = (
    ImportField(
        "full_name",
        _("Full name (split into first and last)"),
        "full_name",
        synonyms=FULL_NAME,
    ),
    ImportField(
        "first_name", _("First name"), synonyms=FIRST_NAME, model_field="contact.first_name"
    ),
    ImportField("last_name", _("Last name"), synonyms=LAST_NAME, model_field="contact.last_name"),
    ImportField("email", _("Email"), "email", synonyms=EMAIL, model_field="contact.email"),
    ImportField("phone", _("Phone"), synonyms=PHONE, model_field="contact.phone"),
    ImportField("company", _("Company"), "company", synonyms=COMPANY),
    ImportField("owner", _("Owner (username or email)"), "user", synonyms=OWNER),
    ImportField(
        "lifecycle",
        _("Lifecycle"),
        "choice",
        synonyms=("lifecycle", "lifecyclestage", "status", "phase", "lebenszyklus", "durum"),
        choices=Lifecycle,
    ),
    ImportField(
        "source",
        _("Source"),
        "choice",
        synonyms=("source", "leadsource", "origin", "quelle", "herkunft", "kaynak", "sursa"),
        choices=Source,
    ),
    ImportField(
        "tags",
        _("Tags (comma separated)"),
        "tags",
        synonyms=("tags", "tag", "labels", "label", "schlagworte", "etiketler", "etichete"),
    ),
    ImportField(
        "opted_out",
        _("Opted out of email"),
        "bool",
        synonyms=("optedout", "optout", "unsubscribed", "donotemail", "emailoptout", "abgemeldet"),
    ),
    ImportField(
        "customer_since",
        _("Customer since"),
        "datetime",
        synonyms=("customersince", "kundeseit", "musterisince"),
    ),
    ImportField(
        "birth_date",
        _("Birth date"),
        "date",
        synonyms=("birthdate", "birthday", "dateofbirth", "dob", "geburtsdatum", "dogumtarihi"),
    ),
    ImportField(
        "occupation",
        _("Occupation"),
        synonyms=("occupation", "jobtitle", "title", "position", "beruf", "meslek", "ocupatie"),
        model_field="contact.occupation",
    ),
    ImportField(
        "gender",
        _("Gender"),
        "choice",
        synonyms=("gender", "sex", "geschlecht", "cinsiyet", "gen", "성별"),
        choices=Gender,
    ),
    ImportField(
        "marital_status",
        _("Marital status"),
        "choice",
        synonyms=("maritalstatus", "familienstand", "medenihal"),
        choices=MaritalStatus,
    ),
    ImportField(
        "income_band",
        _("Income band"),
        "choice",
        synonyms=("incomeband", "income", "einkommen", "gelir"),
        choices=IncomeBand,
    ),
    ImportField(
        "education",
        _("Education"),
        "choice",
        synonyms=("education", "bildung", "ausbildung", "egitim", "educatie"),
        choices=Education,
    ),
    ImportField(
        "language",
        _("Preferred language"),
        "language",
        synonyms=("language", "lang", "locale", "sprache", "dil", "limba", "언어", "زبان"),
        help=_("A code such as de or tr-TR, or a name such as Deutsch or German."),
    ),
    ImportField("created_at", _("Created at"), "datetime", synonyms=CREATED_AT),
)

COMPANY_FIELDS = (
    ImportField(
        "name",
        _("Name"),
        required=True,
        synonyms=(*COMPANY, "name", "firmenname"),
        model_field="company.name",
    ),
    ImportField(
        "domain",
        _("Domain or website"),
        "domain",
        synonyms=("domain", "website", "web", "url", "homepage", "webseite", "site", "websitesi"),
        model_field="company.domain",
    ),
    ImportField(
        "industry",
        _("Industry"),
        synonyms=("industry", "branche", "sector", "sektor", "industrie", "업종"),
        model_field="company.industry",
    ),
    ImportField("phone", _("Phone"), synonyms=PHONE, model_field="company.phone"),
    ImportField(
        "address",
        _("Address"),
        synonyms=("address", "adresse", "street", "anschrift", "adres", "adresa", "주소", "نشانی"),
        model_field="company.address",
    ),
    ImportField("owner", _("Owner (username or email)"), "user", synonyms=OWNER),
    ImportField("created_at", _("Created at"), "datetime", synonyms=CREATED_AT),
)

# A deal or purchase row names its contact by email; an unknown email creates the contact.
LINKED_CONTACT_FIELDS = (
    ImportField(
        "contact_email",
        _("Contact email"),
        "email",
        synonyms=(*EMAIL, "contactemail", "customeremail", "kundenemail"),
        model_field="contact.email",
    ),
    ImportField(
        "contact_first_name",
        _("Contact first name"),
        synonyms=(*FIRST_NAME, "contactfirstname"),
        model_field="contact.first_name",
    ),
    ImportField(
        "contact_last_name",
        _("Contact last name"),
        synonyms=(*LAST_NAME, "contactlastname"),
        model_field="contact.last_name",
    ),
)

CURRENCY_FIELD = ImportField(
    "currency",
    _("Currency (ISO 4217)"),
    "currency",
    synonyms=("currency", "curr", "wahrung", "parabirimi", "moneda", "통화"),
)

DEAL_FIELDS = (
    ImportField(
        "title",
        _("Title"),
        required=True,
        synonyms=("title", "dealname", "deal", "name", "opportunity", "subject", "titel", "baslik"),
        model_field="deal.title",
    ),
    ImportField(
        "value",
        _("Value"),
        "decimal",
        synonyms=("value", "amount", "dealvalue", "wert", "betrag", "tutar", "price", "valoare"),
        model_field="deal.value",
    ),
    CURRENCY_FIELD,
    ImportField(
        "pipeline", _("Pipeline"), "pipeline", synonyms=("pipeline", "salespipeline", "trichter")
    ),
    ImportField(
        "stage",
        _("Stage"),
        "stage",
        synonyms=("stage", "dealstage", "phase", "pipelinestage", "asama", "etapa", "단계"),
    ),
    ImportField(
        "status",
        _("Status (open, won, lost)"),
        "choice",
        synonyms=("status", "state", "dealstatus", "durum", "stare"),
        choices=DealStatus,
    ),
    ImportField(
        "lost_reason",
        _("Lost reason"),
        synonyms=("lostreason", "reason", "verlustgrund", "kayipnedeni", "motiv"),
        model_field="deal.lost_reason",
    ),
    ImportField(
        "kind",
        _("Kind"),
        "choice",
        synonyms=("kind", "type", "dealtype", "art", "tur", "tip"),
        choices=DealKind,
    ),
    ImportField(
        "expected_close_date",
        _("Expected close date"),
        "date",
        synonyms=("expectedclosedate", "closedate", "closingdate", "expectedclose", "abschluss"),
    ),
    ImportField(
        "forecast_category",
        _("Forecast category (commit, best case, pipeline)"),
        "choice",
        synonyms=("forecastcategory", "forecast", "prognosekategorie", "tahminkategorisi"),
        choices=ForecastCategory,
    ),
    ImportField("created_at", _("Created at"), "datetime", synonyms=CREATED_AT),
    ImportField(
        "closed_at",
        _("Closed at"),
        "datetime",
        synonyms=("closedat", "closedon", "dateclosed", "wonat", "geschlossenam", "kapanis"),
    ),
    ImportField("owner", _("Owner (username or email)"), "user", synonyms=OWNER),
    *LINKED_CONTACT_FIELDS,
    ImportField("company", _("Company"), "company", synonyms=COMPANY),
)

PURCHASE_FIELDS = (
    ImportField(
        "contact_email",
        _("Customer email"),
        "email",
        required=True,
        synonyms=(*EMAIL, "contactemail", "customeremail", "kundenemail"),
        model_field="contact.email",
    ),
    *LINKED_CONTACT_FIELDS[1:],
    ImportField(
        "amount",
        _("Amount"),
        "decimal",
        required=True,
        synonyms=("amount", "total", "price", "betrag", "summe", "value", "revenue", "tutar"),
        model_field="purchase.amount",
    ),
    CURRENCY_FIELD,
    ImportField(
        "purchased_at",
        _("Purchased at"),
        "datetime",
        synonyms=("purchasedat", "date", "orderdate", "purchasedate", "datum", "tarih", "data"),
    ),
    ImportField(
        "product",
        _("Product"),
        synonyms=("product", "item", "produkt", "artikel", "urun", "produs", "상품"),
        model_field="purchase.product",
    ),
    ImportField(
        "category",
        _("Product category"),
        synonyms=("category", "productcategory", "kategorie", "kategori", "categorie"),
        model_field="purchase.category",
    ),
    ImportField(
        "campaign", _("Campaign"), "campaign", synonyms=("campaign", "kampagne", "kampanya")
    ),
    ImportField("company", _("Company"), "company", synonyms=COMPANY),
)

ASSIGNEE = ("assignee", "assignedto", "assigned", "agent", "zugewiesen", "atanan", *OWNER)
SUBJECT = ("subject", "title", "betreff", "konu", "subiect", "제목", "موضوع")
SOURCE_FIELD = ImportField(
    "source",
    _("Source"),
    "choice",
    synonyms=("source", "leadsource", "origin", "quelle", "herkunft", "kaynak", "sursa"),
    choices=Source,
)
CAMPAIGN_FIELD = ImportField(
    "campaign", _("Campaign"), "campaign", synonyms=("campaign", "kampagne", "kampanya")
)

# A lead's contact must exist or be named: the export writes its email and full name.
LEAD_FIELDS = (
    ImportField(
        "contact_email",
        _("Contact email"),
        "email",
        required=True,
        synonyms=(*EMAIL, "contactemail", "leademail", "kundenemail"),
        model_field="contact.email",
    ),
    ImportField(
        "contact_name",
        _("Contact name (split into first and last)"),
        "full_name",
        synonyms=FULL_NAME,
        extra={"prefix": "contact_"},
    ),
    *LINKED_CONTACT_FIELDS[1:],
    SOURCE_FIELD,
    CAMPAIGN_FIELD,
    ImportField(
        "status",
        _("Status"),
        "choice",
        synonyms=("status", "state", "leadstatus", "durum", "stare"),
        choices=LeadStatus,
    ),
    ImportField(
        "score",
        _("Score"),
        "integer",
        synonyms=("score", "leadscore", "punkte", "puan", "scor", "점수"),
        model_field="lead.score",
    ),
    ImportField("owner", _("Owner (username or email)"), "user", synonyms=OWNER),
    ImportField(
        "handed_off_at",
        _("Handed to sales at"),
        "datetime",
        synonyms=("handedoffat", "handedoff", "handoff", "handedtosalesat"),
    ),
    ImportField(
        "converted_at",
        _("Converted at"),
        "datetime",
        synonyms=("convertedat", "converted", "conversiondate", "konvertiertam"),
    ),
    # The lead export writes the deal's id (the lead points at one deal, titles repeat).
    ImportField(
        "deal",
        _("Deal (id, as the export writes it)"),
        "deal_id",
        synonyms=("deal", "dealid", "opportunity", "opportunityid"),
    ),
    ImportField("created_at", _("Created at"), "datetime", synonyms=CREATED_AT),
)

ACTIVITY_FIELDS = (
    ImportField(
        "kind",
        _("Kind (call, email, meeting, task)"),
        "choice",
        required=True,
        synonyms=("kind", "type", "activitytype", "art", "typ", "tur", "tip", "유형"),
        choices=ActivityKind,
    ),
    ImportField(
        "subject", _("Subject"), required=True, synonyms=SUBJECT, model_field="activity.subject"
    ),
    ImportField(
        "notes",
        _("Notes"),
        synonyms=("notes", "note", "comment", "comments", "notizen", "notlar", "메모"),
        model_field="activity.notes",
    ),
    ImportField(
        "due_at",
        _("Due"),
        "datetime",
        synonyms=("dueat", "due", "duedate", "deadline", "fallig", "faellig", "termin"),
    ),
    ImportField(
        "done_at",
        _("Done at"),
        "datetime",
        synonyms=("doneat", "done", "completedat", "completed", "erledigtam", "tamamlanma"),
    ),
    ImportField("assignee", _("Assignee (username or email)"), "user", synonyms=ASSIGNEE),
    # The activity export writes its deal's title; the contact tells same-titled deals apart.
    ImportField(
        "deal",
        _("Deal (title)"),
        "deal",
        synonyms=("deal", "dealtitle", "dealname", "opportunity"),
        model_field="deal.title",
    ),
    ImportField(
        "lead", _("Lead (id, as the export writes it)"), "lead_id", synonyms=("lead", "leadid")
    ),
    *LINKED_CONTACT_FIELDS,
    ImportField("created_at", _("Created at"), "datetime", synonyms=CREATED_AT),
)

TICKET_FIELDS = (
    ImportField(
        "subject", _("Subject"), required=True, synonyms=SUBJECT, model_field="ticket.subject"
    ),
    ImportField(
        "description",
        _("Description"),
        synonyms=("description", "body", "message", "details", "beschreibung", "aciklama"),
        model_field="ticket.description",
    ),
    *LINKED_CONTACT_FIELDS,
    ImportField("company", _("Company"), "company", synonyms=COMPANY),
    ImportField(
        "priority",
        _("Priority"),
        "choice",
        synonyms=("priority", "prio", "prioritat", "oncelik", "prioritate", "우선순위"),
        choices=TicketPriority,
    ),
    ImportField(
        "status",
        _("Status"),
        "choice",
        synonyms=("status", "state", "ticketstatus", "durum", "stare"),
        choices=TicketStatus,
    ),
    ImportField("assignee", _("Assignee (username or email)"), "user", synonyms=ASSIGNEE),
    ImportField(
        "opened_at",
        _("Opened at"),
        "datetime",
        synonyms=("openedat", "opened", "dateopened", "eroffnetam", *CREATED_AT),
    ),
    ImportField(
        "first_response_at",
        _("First response at"),
        "datetime",
        synonyms=("firstresponseat", "firstresponse", "respondedat", "ersteantwort"),
    ),
    ImportField(
        "resolved_at",
        _("Resolved at"),
        "datetime",
        synonyms=("resolvedat", "resolved", "solvedat", "closedat", "gelostam", "cozulme"),
    ),
)

FIELDS_BY_KIND: dict[str, tuple[ImportField, ...]] = {
    ImportKind.CONTACTS: CONTACT_FIELDS,
    ImportKind.COMPANIES: COMPANY_FIELDS,
    ImportKind.DEALS: DEAL_FIELDS,
    ImportKind.PURCHASES: PURCHASE_FIELDS,
    ImportKind.LEADS: LEAD_FIELDS,
    ImportKind.ACTIVITIES: ACTIVITY_FIELDS,
    ImportKind.TICKETS: TICKET_FIELDS,
}

# Kinds where "update or skip" applies to the imported record itself.
DEDUPLICATED_KINDS = (ImportKind.CONTACTS, ImportKind.COMPANIES)


def fields_for(kind: str) -> dict[str, ImportField]:
    return {f.name: f for f in FIELDS_BY_KIND[kind]}


def required_field_groups(kind: str) -> list[tuple[str, ...]]:
    """Fields that must be mapped; a group is satisfied by any one of its members."""
    groups: list[tuple[str, ...]] = [(f.name,) for f in FIELDS_BY_KIND[kind] if f.required]
    if kind == ImportKind.CONTACTS:
        groups.append(("first_name", "full_name"))
    return groups


def model_field(spec: ImportField):
    if not spec.model_field:
        return None
    model_name, field_name = spec.model_field.split(".")
    from django.apps import apps

    return apps.get_model("crm", model_name)._meta.get_field(field_name)
