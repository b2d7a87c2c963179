"""Word lists the demo data is drawn from. Names nod to the seed articles' languages.

People's, company and city names are proper names and stay as they are. Every other
label is only marked here (`_` is `gettext_noop`): the phases draw the English text, so
the random sequence is the same in every language, and translate what they drew with
`label()` while `seed_demo` runs under `translation.override(language)`.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _


def label(text: str) -> str:
    """The demo's text in the active language ("" stays "": gettext("") is the header)."""
    return gettext(text) if text else ""


# fmt: off

FIRST_NAMES = [
    "Anna", "Lukas", "Lena", "Jonas", "Mia", "Felix", "Emre", "Elif", "Mehmet", "Zeynep",
    "Burak", "Ayse", "Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Dong-hyun", "Soo-ah",
    "Reza", "Neda", "Arash", "Shirin", "Dariush", "Laleh", "Andrei", "Ioana", "Mihai",
    "Elena", "Radu", "Alina", "James", "Olivia", "Noah", "Emma", "Liam", "Sophia", "Lucas",
    "Chloe", "Daniel", "Grace", "Marta", "Pablo", "Ines", "Tomas", "Nora", "Omar", "Layla",
]

LAST_NAMES = [
    "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Yilmaz", "Kaya",
    "Demir", "Sahin", "Celik", "Ozturk", "Kim", "Lee", "Park", "Choi", "Jung", "Kang",
    "Ahmadi", "Hosseini", "Karimi", "Rahimi", "Moradi", "Jafari", "Popescu", "Ionescu",
    "Dumitru", "Stan", "Gheorghe", "Matei", "Smith", "Johnson", "Brown", "Taylor", "Wilson",
    "Martin", "Garcia", "Lopez", "Novak", "Horvat", "Silva", "Costa", "Haddad", "Nasser",
]

COMPANY_PREFIXES = [
    "Northwind", "Bluebird", "Silverline", "Evergreen", "Redstone", "Brightway", "Ironbridge",
    "Sunrise", "Oakfield", "Riverside", "Summit", "Harbor", "Crescent", "Granite", "Maple",
    "Pioneer", "Lighthouse", "Aurora", "Falcon", "Cedar", "Horizon", "Atlas", "Nimbus",
    "Vertex", "Meridian", "Orchard", "Copper", "Juniper", "Keystone", "Beacon",
]

COMPANY_SUFFIXES = [
    "Logistics", "Foods", "Textiles", "Clinics", "Software", "Dental", "Furniture",
    "Consulting", "Motors", "Bakery", "Pharma", "Builders", "Travel", "Media", "Energy",
    "Fitness", "Optics", "Hotels", "Print", "Robotics",
]

INDUSTRY_BY_SUFFIX = {
    "Logistics": _("Transport"), "Foods": _("Food & beverage"),
    "Textiles": _("Manufacturing"), "Clinics": _("Healthcare"), "Software": _("Technology"),
    "Dental": _("Healthcare"), "Furniture": _("Retail"),
    "Consulting": _("Professional services"), "Motors": _("Automotive"),
    "Bakery": _("Food & beverage"), "Pharma": _("Healthcare"), "Builders": _("Construction"),
    "Travel": _("Hospitality"), "Media": _("Media"), "Energy": _("Energy"),
    "Fitness": _("Leisure"), "Optics": _("Retail"), "Hotels": _("Hospitality"),
    "Print": _("Manufacturing"), "Robotics": _("Technology"),
}

CITIES = ["Berlin", "Istanbul", "Seoul", "Tehran", "Bucharest", "Vienna", "Munich",
          "Izmir", "Busan", "Cluj-Napoca", "London", "Rotterdam"]

OCCUPATIONS = [
    _("Business owner"), _("Managing director"), _("Purchasing manager"), _("Operations manager"),
    _("Accountant"), _("IT manager"), _("Office manager"), _("Head of sales"),
    _("Marketing manager"), _("Pharmacist"), _("Engineer"), _("Teacher"), _("Consultant"),
    _("Store manager"),
]

TAGS = [
    _("vip"), _("newsletter"), _("webinar"), _("trade-fair"), _("decision-maker"), _("smb"),
    _("enterprise"), _("partner"), _("price-sensitive"), _("early-adopter"),
]

# (category, product, typical price range) — what purchases and deal titles name.
PRODUCTS = [
    (_("Software"), _("Analytics suite"), (900, 6000)),
    (_("Software"), _("Team licence"), (600, 4000)),
    (_("Hardware"), _("Point-of-sale terminals"), (1500, 12000)),
    (_("Hardware"), _("Barcode scanners"), (400, 3000)),
    (_("Services"), _("Onboarding package"), (800, 5000)),
    (_("Services"), _("Data migration"), (1200, 9000)),
    (_("Training"), _("Sales workshop"), (300, 2500)),
    (_("Training"), _("Admin certification"), (250, 1500)),
    (_("Support"), _("Premium support plan"), (500, 4000)),
]

LOST_REASONS = [
    _("Price too high"),
    _("Chose a competitor"),
    _("No budget this year"),
    _("No decision — went silent"),
    _("Timing: revisit next year"),
    _("Missing feature"),
]


PLANS = [(_("Starter"), 590), (_("Team"), 1490), (_("Business"), 3490)]

TICKET_SUBJECTS = [
    _("Cannot log in after password reset"),
    _("Invoice shows the wrong VAT number"),
    _("Terminal does not print receipts"),
    _("Export to spreadsheet is empty"),
    _("Question about upgrading our plan"),
    _("Scanner disconnects every few minutes"),
    _("Training session needs a new date"),
    _("Data import stopped halfway"),
    _("Please add two more user seats"),
    _("Report totals differ from our books"),
]

NPS_COMMENTS = {
    "promoter": [_("Great support team."), _("Saves us hours every week."), _("Easy to use.")],
    "passive": [_("Does the job."), _("Fine, a bit pricey."), ""],
    "detractor": [_("Too many outages."), _("Support took days to answer."), _("Hard to set up.")],
}

WEBSITE_PAGES = ["pricing", "features", "blog/retention-tips", "case-studies", "demo", "contact"]
# fmt: on
