"""Word lists the demo data is drawn from. Names nod to the seed articles' languages."""

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
    "Logistics": "Transport", "Foods": "Food & beverage", "Textiles": "Manufacturing",
    "Clinics": "Healthcare", "Software": "Technology", "Dental": "Healthcare",
    "Furniture": "Retail", "Consulting": "Professional services", "Motors": "Automotive",
    "Bakery": "Food & beverage", "Pharma": "Healthcare", "Builders": "Construction",
    "Travel": "Hospitality", "Media": "Media", "Energy": "Energy", "Fitness": "Leisure",
    "Optics": "Retail", "Hotels": "Hospitality", "Print": "Manufacturing",
    "Robotics": "Technology",
}

CITIES = ["Berlin", "Istanbul", "Seoul", "Tehran", "Bucharest", "Vienna", "Munich",
          "Izmir", "Busan", "Cluj-Napoca", "London", "Rotterdam"]

OCCUPATIONS = [
    "Owner", "Managing director", "Purchasing manager", "Operations manager", "Accountant",
    "IT manager", "Office manager", "Head of sales", "Marketing manager", "Pharmacist",
    "Engineer", "Teacher", "Consultant", "Store manager",
]

TAGS = ["vip", "newsletter", "webinar", "trade-fair", "decision-maker", "smb", "enterprise",
        "partner", "price-sensitive", "early-adopter"]

# (category, product, typical price range) — what purchases and deal titles name.
PRODUCTS = [
    ("Software", "Analytics suite", (900, 6000)),
    ("Software", "Team licence", (600, 4000)),
    ("Hardware", "Point-of-sale terminals", (1500, 12000)),
    ("Hardware", "Barcode scanners", (400, 3000)),
    ("Services", "Onboarding package", (800, 5000)),
    ("Services", "Data migration", (1200, 9000)),
    ("Training", "Sales workshop", (300, 2500)),
    ("Training", "Admin certification", (250, 1500)),
    ("Support", "Premium support plan", (500, 4000)),
]

LOST_REASONS = [
    "Price too high",
    "Chose a competitor",
    "No budget this year",
    "No decision — went silent",
    "Timing: revisit next year",
    "Missing feature",
]


PLANS = [("Starter", 590), ("Team", 1490), ("Business", 3490)]

TICKET_SUBJECTS = [
    "Cannot log in after password reset",
    "Invoice shows the wrong VAT number",
    "Terminal does not print receipts",
    "Export to spreadsheet is empty",
    "Question about upgrading our plan",
    "Scanner disconnects every few minutes",
    "Training session needs a new date",
    "Data import stopped halfway",
    "Please add two more user seats",
    "Report totals differ from our books",
]

NPS_COMMENTS = {
    "promoter": ["Great support team.", "Saves us hours every week.", "Easy to use."],
    "passive": ["Does the job.", "Fine, a bit pricey.", ""],
    "detractor": ["Too many outages.", "Support took days to answer.", "Hard to set up."],
}

WEBSITE_PAGES = ["pricing", "features", "blog/retention-tips", "case-studies", "demo", "contact"]
# fmt: on
