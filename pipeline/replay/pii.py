"""Synthetic personal data for the replay: every value is made up, many kinds and cultures.

Each generator takes a ``random.Random`` and returns one value. Values are valid where a
checker would validate them (Luhn for cards, mod-97 for IBANs, SSN area rules), so a
redactor cannot "win" by rejecting malformed examples.
"""

from __future__ import annotations

import random
import string

FIRST_NAMES = (
    "James",
    "Maria",
    "Priya",
    "Wei",
    "Fatima",
    "Olusegun",
    "Sofia",
    "Hiroshi",
    "Ana",
    "Mohammed",
    "Elena",
    "Kwame",
    "Ingrid",
    "Raj",
    "Chloe",
    "Dmitri",
    "Aisha",
    "Lucas",
    "Mei",
    "Santiago",
    "Yuki",
    "Amara",
    "Lars",
    "Noor",
    "Gabriel",
    "Zanele",
    "Tomasz",
    "Isabela",
    "Arjun",
    "Emily",
    "Thanh",
    "Olga",
    "Kofi",
    "Camille",
    "Hamid",
    "Sven",
)
LAST_NAMES = (
    "Smith",
    "Garcia",
    "Sharma",
    "Zhang",
    "Al-Sayed",
    "Adeyemi",
    "Rossi",
    "Tanaka",
    "Kowalski",
    "Hassan",
    "Petrova",
    "Mensah",
    "Johansson",
    "Patel",
    "Dubois",
    "Ivanov",
    "Okafor",
    "Silva",
    "Nguyen",
    "Fernandez",
    "Yamamoto",
    "Nkosi",
    "Larsen",
    "Haddad",
    "Moreau",
    "Dlamini",
    "Novak",
    "Oliveira",
    "Iyer",
    "Brown",
    "Tran",
    "Sokolova",
    "Boateng",
    "Lefebvre",
    "Rahimi",
    "Nilsson",
    "O'Connor",
    "MacLeod",
)
EMAIL_DOMAINS = (
    "gmail.com",
    "outlook.com",
    "proton.me",
    "yahoo.co.jp",
    "web.de",
    "acme-corp.io",
    "fastmail.fm",
    "company.co.uk",
    "uni-heidelberg.de",
)
STREETS = (
    "Maple Avenue",
    "Oak Street",
    "Elm Drive",
    "Hauptstraße",
    "High Street",
    "Rue de Rivoli",
    "Calle Mayor",
    "Sunset Boulevard",
    "Baker Street",
    "Pine Lane",
)
CITIES = (
    ("Springfield", "IL", "62704"),
    ("Austin", "TX", "78701"),
    ("Portland", "OR", "97205"),
    ("Madison", "WI", "53703"),
    ("Raleigh", "NC", "27601"),
    ("Boulder", "CO", "80302"),
)


def person(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return first if rng.random() < 0.15 else f"{first} {last}"


def username(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(LAST_NAMES).lower()
    last = "".join(c for c in last if c.isalpha())
    style = rng.randrange(4)
    if style == 0:
        return f"{first[0]}{last}"
    if style == 1:
        return f"{first}.{last}"
    if style == 2:
        return f"{first}{rng.randrange(10, 99)}"
    return f"{first}_{last[:4]}"


def email(rng: random.Random) -> str:
    return f"{username(rng)}@{rng.choice(EMAIL_DOMAINS)}"


def phone(rng: random.Random) -> str:
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    fmt = rng.randrange(7)
    if fmt == 0:
        return f"({rng.randrange(201, 989)}) {rng.randrange(200, 999)}-{d(4)}"
    if fmt == 1:
        return f"+1 {rng.randrange(201, 989)}-{rng.randrange(200, 999)}-{d(4)}"
    if fmt == 2:
        return f"+44 7{d(3)} {d(6)}"
    if fmt == 3:
        return f"+49 151 {d(8)}"
    if fmt == 4:
        return f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}"
    if fmt == 5:
        return f"+91 98{d(3)} {d(5)}"
    return f"090-{d(4)}-{d(4)}"


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            n -= 9 if n > 9 else 0
        total += n
    return body + str((10 - total % 10) % 10)


def credit_card(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        num = _luhn_complete("4", 16, rng)
    elif kind == 1:
        num = _luhn_complete(str(rng.randrange(51, 56)), 16, rng)
    else:
        num = _luhn_complete(rng.choice(("34", "37")), 15, rng)
    if len(num) == 16 and rng.random() < 0.6:
        sep = rng.choice((" ", "-"))
        return sep.join(num[i : i + 4] for i in range(0, 16, 4))
    return num


def iban(rng: random.Random) -> str:
    country, length = rng.choice((("DE", 22), ("GB", 22), ("FR", 27), ("NL", 18)))
    if country == "GB":
        bban = "NWBK" + "".join(rng.choice(string.digits) for _ in range(14))
    elif country == "NL":
        bban = "ABNA" + "".join(rng.choice(string.digits) for _ in range(10))
    else:
        bban = "".join(rng.choice(string.digits) for _ in range(length - 4))
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    check = 98 - int(numeric) % 97
    raw = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return raw


def us_ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(101, 899) if a != 666])
    return f"{area:03d}-{rng.randrange(10, 99):02d}-{rng.randrange(1000, 9999):04d}"


def street_address(rng: random.Random) -> str:
    city, state, zipc = rng.choice(CITIES)
    return f"{rng.randrange(12, 9800)} {rng.choice(STREETS)}, {city}, {state} {zipc}"


def ip_address(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return "2001:db8:" + ":".join(f"{rng.randrange(0, 65535):x}" for _ in range(6))
    first = rng.choice((10, 172, 192, 34, 52, 81, 203))
    return f"{first}.{rng.randrange(0, 255)}.{rng.randrange(0, 255)}.{rng.randrange(1, 254)}"


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"


def secret(rng: random.Random) -> str:
    """An API key or token of a real provider format (values are random)."""
    kind = rng.randrange(8)
    if kind == 0:
        return "sk-ant-api03-" + _rand(rng, B64URL, 93) + "AA"
    if kind == 1:
        return "sk-proj-" + _rand(rng, B64URL, 48)
    if kind == 2:
        return "AKIA" + _rand(rng, string.ascii_uppercase + "234567", 16)
    if kind == 3:
        return "ghp_" + _rand(rng, ALNUM, 36)
    if kind == 4:
        return (
            "xoxb-"
            + "-".join(_rand(rng, string.digits, n) for n in (11, 13))
            + "-"
            + _rand(rng, ALNUM, 24)
        )
    if kind == 5:
        return jwt(rng)
    if kind == 6:
        return "glpat-" + _rand(rng, B64URL, 20)
    return "hf_" + _rand(rng, string.ascii_letters, 34)


def jwt(rng: random.Random) -> str:
    head = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    return f"{head}.eyJ{_rand(rng, B64URL, 60)}.{_rand(rng, B64URL, 43)}"


def password(rng: random.Random) -> str:
    words = ("Sunset", "Tiger", "Orbit", "Velvet", "Nimbus", "Copper", "Falcon")
    return f"{rng.choice(words)}{rng.choice(words)}{rng.randrange(10, 9999)}{rng.choice('!#$%&*')}"


def private_key(rng: random.Random) -> str:
    kind = rng.choice(("RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"))
    lines = [
        _rand(rng, string.ascii_letters + string.digits + "+/", 64)
        for _ in range(rng.randrange(3, 7))
    ]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def connection_string(rng: random.Random) -> str:
    user = rng.choice(("admin", "app", "postgres", "svc_billing", username(rng)))
    pw = password(rng).replace("#", "x").replace("%", "p").replace("&", "n")
    host = rng.choice(
        (
            "db.internal",
            "10.0.3.17",
            "prod-db-2.acme-corp.io",
            "cluster0.mongodb.net",
            "billing.rds.amazonaws.com",
        )
    )
    kind = rng.randrange(4)
    if kind == 0:
        return f"postgresql://{user}:{pw}@{host}:5432/app_prod"
    if kind == 1:
        return f"mysql://{user}:{pw}@{host}:3306/orders"
    if kind == 2:
        return f"mongodb+srv://{user}:{pw}@{host}/analytics?retryWrites=true"
    return f"redis://:{pw}@{host}:6379/0"


def home_path(rng: random.Random) -> str:
    """A home directory with a user name: the span that must be redacted."""
    kind = rng.randrange(3)
    name = username(rng)
    if kind == 0:
        return f"/home/{name}"
    if kind == 1:
        return f"/Users/{name}"
    return "C:\\Users\\" + name.replace(".", "").title()


GENERATORS = {
    "PERSON": person,
    "EMAIL_ADDRESS": email,
    "PHONE_NUMBER": phone,
    "CREDIT_CARD": credit_card,
    "IBAN_CODE": iban,
    "US_SSN": us_ssn,
    "STREET_ADDRESS": street_address,
    "IP_ADDRESS": ip_address,
    "SECRET": secret,
    "CONNECTION_STRING": connection_string,
    "HOME_PATH": home_path,
}
