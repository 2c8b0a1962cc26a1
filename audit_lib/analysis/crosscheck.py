"""Policy cross-check: does the published privacy policy say what the register says (Art 5(2), 12-14)?

:func:`crosscheck` compares a policy text (markdown or plain) with a register in
both directions, for three kinds of item:

- **parties**: every recipient of the register must be named in the policy, and
  every well-known service provider the policy names (:data:`KNOWN_PARTIES`)
  or category of party it names (:data:`PARTY_CATEGORIES`) must be in the register;
- **data categories**: every personal-data category the register collects must
  be named in the policy, and every category the policy names
  (:data:`CATEGORY_PHRASES`) must be collected by the register;
- **purposes**: every purpose of every activity must be named in the policy,
  and every purpose the policy names (:data:`PURPOSE_TOPICS`) must be in the register.

The matching is deterministic and documented here so that a generated notice
(:mod:`audit_lib.notice`) can be written to pass it:

1. Both texts are cut into lower-case words (letters and digits), with markdown
   link targets and bare URLs removed, "e-mail" read as "email", and a plural
   ``s``/``es``/``ies`` folded, so "Email addresses" matches "email address".
2. Phrases are looked up as whole word sequences. Where phrases overlap, the
   longest wins and the shorter is not counted ("IP address" is not "address",
   "Google Chrome" is not Google).
3. A **recipient** is named when the policy contains its name without the
   parenthesised part, a parenthesised alias ("Google Ireland Limited (Google
   Analytics)" -> "Google Analytics") or the name without a legal-form suffix. A recipient
   the policy can only describe (a placeholder, internal staff, public authorities) is
   also named by its ``category``, by a category of party in :data:`PARTY_CATEGORIES` that
   fits its name or category ("law enforcement" for a public authority), or by one of the
   policy sentences the register quotes as its ``evidence``. A category of party the policy
   names is missing in the register when no recipient fits it by name, category, role or
   the activities it serves ("payment provider" for the recipient of a payment activity).
4. A **data category** (fideslang key) is named when the policy contains its
   register label (or a comma/"and"-separated part of it), its taxonomy name, or
   a phrase of :data:`CATEGORY_PHRASES` or :data:`WEAK_CATEGORY_PHRASES` whose key is
   the same, broader or narrower (``user.contact`` covers ``user.contact.email`` and the
   reverse). Only :data:`CATEGORY_PHRASES` can report a category missing in the register.
5. A **purpose** of an activity is named when the policy contains its
   description, label, taxonomy name or the activity's name, a phrase of a
   :data:`PURPOSE_TOPICS` topic the purpose belongs to (by key, or by words of its
   description, else label, else the activity's name), or one of the activity's evidence
   sentences.

6. A data category or purpose the policy names also counts as accounted for when the
   register's own words mention it anywhere: every text field of the register except the
   ``evidence`` quotes (which are the policy's words). So a register that records the
   policy's "we do not collect your passwords" as a commitment is not asked to add
   passwords. Parties always need a recipient record.

Matches are not meaning: each item missing is something for a person to look
at, with the policy line it comes from. Statements in the negative ("we do not
collect your password") still count as naming the data.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from audit_lib.model import LegalBasis, ProcessingActivity, Recipient, Register
from audit_lib.reference.taxonomy import default_keys

KINDS = ("party", "data category", "purpose")

# --------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------

KNOWN_PARTIES: dict[str, tuple[str, ...]] = {
    "Google Analytics": ("Google Analytics",),
    "Google Ads": ("Google Ads", "Google AdWords", "AdWords", "DoubleClick", "AdSense"),
    "Google Tag Manager": ("Google Tag Manager",),
    "Google Cloud": ("Google Cloud",),
    "YouTube": ("YouTube",),
    "Facebook": ("Facebook", "Meta Platforms", "Meta Pixel", "Facebook Pixel"),
    "Instagram": ("Instagram",),
    "WhatsApp": ("WhatsApp",),
    "LinkedIn": ("LinkedIn",),
    "Twitter": ("Twitter",),
    "Pinterest": ("Pinterest",),
    "Reddit": ("Reddit",),
    "TikTok": ("TikTok",),
    "Quora": ("Quora",),
    "Disqus": ("Disqus",),
    "AddThis": ("AddThis",),
    "ShareThis": ("ShareThis",),
    "2Checkout": ("2Checkout", "Verifone", "Avangate"),
    "MyCommerce": ("MyCommerce", "Digital River", "ShareIt"),
    "FastSpring": ("FastSpring",),
    "Paddle": ("Paddle.com", "Paddle Market"),
    "Cleverbridge": ("Cleverbridge",),
    "Stripe": ("Stripe",),
    "PayPal": ("PayPal", "Braintree"),
    "Adyen": ("Adyen",),
    "Klarna": ("Klarna",),
    "Amazon Pay": ("Amazon Pay",),
    "Mailchimp": ("Mailchimp", "Mandrill"),
    "SendGrid": ("SendGrid",),
    "Mailgun": ("Mailgun",),
    "Amazon SES": ("Amazon SES",),
    "Sendinblue": ("Sendinblue", "Brevo"),
    "Constant Contact": ("Constant Contact",),
    "Campaign Monitor": ("Campaign Monitor",),
    "HubSpot": ("HubSpot",),
    "Salesforce": ("Salesforce",),
    "Zendesk": ("Zendesk",),
    "Freshdesk": ("Freshdesk",),
    "Intercom": ("Intercom",),
    "Hotjar": ("Hotjar",),
    "Mixpanel": ("Mixpanel",),
    "Yandex": ("Yandex",),
    "Baidu": ("Baidu",),
    "Criteo": ("Criteo",),
    "Taboola": ("Taboola",),
    "Outbrain": ("Outbrain",),
    "Trustpilot": ("Trustpilot",),
    "Cloudflare": ("Cloudflare",),
    "Akamai": ("Akamai",),
    "Amazon Web Services": ("Amazon Web Services", "AWS"),
    "Microsoft Azure": ("Microsoft Azure", "Azure"),
    "DigitalOcean": ("DigitalOcean",),
    "Alibaba Cloud": ("Alibaba Cloud", "Aliyun"),
    "Shopify": ("Shopify",),
}
"""Well-known service providers a policy may name: display name -> names and aliases."""

NOT_PARTIES = ("Google Chrome", "Mozilla Firefox", "Internet Explorer", "Microsoft Edge", "Google Play",
               "App Store", "Wayback Machine")
"""Names that contain a party's name but are products a policy mentions for other reasons."""

PARTY_CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # category: (policy phrases, words a register recipient's name/category may contain, roles)
    "shipping company": (("shipping company", "courier", "delivery company", "postal service"),
                         ("shipping", "courier", "parcel", "delivery", "postal", "carrier"), ()),
    "payment processor": (("payment processing", "payment processor", "payment service provider",
                           "credit card processor", "payment provider"), ("payment", "card"), ()),
    "hosting provider": (("hosting provider", "server service", "cloud provider", "hosting service",
                          "data centre", "data center"), ("hosting", "server", "cloud"), ()),
    "data analysis provider": (("data analysis", "analytics provider"), ("analy",), ()),
    "email delivery provider": (("email delivery", "email service", "email provider"), ("email", "mail"), ()),
    "fraud prevention provider": (("fraud monitoring", "fraud prevention provider",
                                   "fraud detection provider"), ("fraud",), ()),
    "public authorities": (("law enforcement", "government agency", "public authority", "court order",
                            "tax authority", "police"), ("authorit", "law enforcement", "government",
                                                        "court", "police"), ("public_authority",)),
    "corporate transaction counterparty": (("merger", "acquisition", "sale of some or all of our asset",
                                            "sale of our business"), ("merger", "acqui", "successor",
                                                                      "buyer"), ()),
    "advertisers": (("advertiser", "advertising partner", "ad network"), ("advert",), ()),
}
"""Categories of parties a policy names without naming a party, and how the register shows them."""

CATEGORY_PHRASES: dict[str, tuple[str, ...]] = {
    "first name": ("user.name.first",), "last name": ("user.name.last",), "surname": ("user.name.last",),
    "family name": ("user.name.last",), "full name": ("user.name",), "your name": ("user.name",),
    "customer name": ("user.name",), "name and address": ("user.name", "user.contact.address"),
    "email address": ("user.contact.email",),
    "telephone number": ("user.contact.phone_number",), "phone number": ("user.contact.phone_number",),
    "mobile number": ("user.contact.phone_number",),
    "street address": ("user.contact.address.street",), "postal address": ("user.contact.address",),
    "home address": ("user.contact.address",), "billing address": ("user.contact.address",),
    "shipping address": ("user.contact.address",), "delivery address": ("user.contact.address",),
    "mailing address": ("user.contact.address",),
    "zip code": ("user.contact.address.postal_code",), "postal code": ("user.contact.address.postal_code",),
    "postcode": ("user.contact.address.postal_code",),
    "contact information": ("user.contact",), "contact detail": ("user.contact",),
    "credit card": ("user.financial.credit_card",), "card number": ("user.financial.credit_card",),
    "bank card": ("user.financial.credit_card",), "expiry date": ("user.financial.credit_card",),
    "expiration date": ("user.financial.credit_card",), "cvv": ("user.financial.credit_card",),
    "bank account": ("user.financial.bank_account",), "iban": ("user.financial.bank_account",),
    "banking information": ("user.financial",), "bank detail": ("user.financial",),
    "billing information": ("user.financial", "user.payment"),
    "payment information": ("user.financial", "user.payment"),
    "payment detail": ("user.financial", "user.payment"), "financial information": ("user.financial",),
    "ip address": ("user.device.ip_address",), "internet protocol address": ("user.device.ip_address",),
    "device id": ("user.device.device_id",), "device identifier": ("user.device.device_id",),
    "device information": ("user.device",), "device type": ("user.device",), "phone model": ("user.device",),
    "browser type": ("user.device",), "browser language": ("user.device",),
    "operating system": ("user.device",),
    "cookie id": ("user.device.cookie_id",), "cookie identifier": ("user.device.cookie_id",),
    "unique identifier": ("user.device.cookie_id", "user.unique_id"),
    "purchase history": ("user.behavior.purchase_history",),
    "past transaction": ("user.behavior.purchase_history",),
    "transaction history": ("user.behavior.purchase_history",),
    "order number": ("user.behavior.purchase_history",), "order id": ("user.behavior.purchase_history",),
    "order history": ("user.behavior.purchase_history",), "order status": ("user.behavior.purchase_history",),
    "browsing history": ("user.behavior.browsing_history",),
    "clickstream": ("user.behavior.browsing_history",),
    "referring exit page": ("user.behavior.browsing_history",),
    "search term": ("user.behavior.search_history",), "search history": ("user.behavior.search_history",),
    "geolocation": ("user.location",), "location data": ("user.location",),
    "your location": ("user.location",),
    "date of birth": ("user.demographic.date_of_birth",), "birthday": ("user.demographic.date_of_birth",),
    "gender": ("user.demographic.gender",), "demographic": ("user.demographic",),
    "behavioral": ("user.behavior",), "behavioural": ("user.behavior",),
    "password": ("user.authorization",), "username": ("user.account.username",),
    "user name": ("user.account.username",),
    "log file": ("user.telemetry", "user.device", "system.operations"),
    "picture": ("user.content.self_image",), "photo": ("user.content.self_image",),
    "health": ("user.health_and_medical",), "medical": ("user.health_and_medical",),
    "biometric": ("user.biometric",), "fingerprint": ("user.biometric.fingerprint",),
    "religious": ("user.demographic.religious_belief",), "religion": ("user.demographic.religious_belief",),
    "political opinion": ("user.demographic.political_opinion",),
    "sexual orientation": ("user.demographic.sexual_orientation",),
    "racial": ("user.demographic.race_ethnicity",), "ethnic origin": ("user.demographic.race_ethnicity",),
    "criminal": ("user.criminal_history",), "passport": ("user.government_id.passport_number",),
    "social security number": ("user.government_id.national_identification_number",),
    "national identification number": ("user.government_id.national_identification_number",),
    "driver license": ("user.government_id.drivers_license_number",),
    "job title": ("user.job_title",), "employer": ("user.workplace",),
}
"""Policy wordings of data categories -> the fideslang keys they name."""

WEAK_CATEGORY_PHRASES: dict[str, tuple[str, ...]] = {
    "name": ("user.name",), "address": ("user.contact.address",), "email": ("user.contact.email",),
    "phone": ("user.contact.phone_number",), "telephone": ("user.contact.phone_number",),
    "country": ("user.contact.address.country",), "city": ("user.contact.address.city",),
    "state": ("user.contact.address.state",), "message": ("user.content",), "cookie": ("user.device",),
    "device": ("user.device",), "browser": ("user.device",), "location": ("user.location",),
    "account": ("user.account",), "order": ("user.behavior.purchase_history",),
}
"""Single words that confirm a register category is named ("your name and address"), but are too
common to claim, on their own, that the policy names data the register lacks."""


@dataclass(frozen=True)
class Topic:
    """A purpose as policies word it, and how the register shows it."""

    name: str
    phrases: tuple[str, ...]
    keys: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    bases: tuple[LegalBasis, ...] = ()


PURPOSE_TOPICS: tuple[Topic, ...] = (
    Topic("payment and orders", ("billing", "bill the user", "payment", "placing order", "purchase",
                                 "transaction"),
          ("essential.service.payment_processing", "finance", "sales"),
          ("payment", "billing", "order", "purchas", "transaction", "checkout")),
    Topic("customer support", ("customer service", "support", "technical assistance", "inquiry",
                               "product consulting"),
          ("essential.service.operations.support",),
          ("support", "inquir", "enquir", "assistance", "consult")),
    Topic("improving products and services", ("improve",),
          ("functional.service.improve", "essential.service.operations.improve"), ("improv", "r&d")),
    Topic("marketing communications", ("newsletter", "promotional email", "special offer",
                                       "product announcement", "advertising email", "marketing email",
                                       "update notification", "related deal"),
          ("marketing.communications",), ("newsletter", "marketing", "promot", "offer", "campaign",
                                          "advertising email")),
    Topic("analytics", ("analytics", "statistic", "web traffic", "how you use", "how users use"),
          ("analytics",), ("analytic", "statistic", "traffic", "usage", "analysis")),
    Topic("advertising", ("advertising", "advertisement", "click through"),
          ("marketing.advertising",), ("advertis",)),
    Topic("fraud prevention", ("fraud",), ("essential.fraud_detection",), ("fraud",)),
    Topic("legal obligations", ("legal obligation", "legal requirement", "comply with the law",
                                "legal process", "court order", "tax"),
          ("essential.legal_obligation", "third_party_sharing.legal_obligation"),
          ("legal", "law", "tax", "authorit"), (LegalBasis.legal_obligation,)),
    Topic("testimonials", ("testimonial",), (), ("testimonial",)),
    Topic("surveys", ("survey",), (), ("survey",)),
    Topic("product registration", ("product registration", "registration of product", "register a",
                                   "registration code", "software registration"),
          ("essential.service.authentication",), ("registr", "licen", "activation")),
    Topic("contests and giveaways", ("giveaway", "contest"), (), ("giveaway", "contest", "prize")),
    Topic("comments", ("comment area", "leave a comment"), (), ("comment",)),
    Topic("business transfers", ("merger", "acquisition", "bankruptcy", "reorganization", "reorganisation"),
          (), ("merger", "acqui", "bankrupt", "reorgani", "corporate transaction")),
    Topic("protecting rights and safety", ("protect the right", "personal safety"), (),
          ("rights", "safety", "protect")),
    Topic("recruitment", ("job application", "recruitment", "candidate"), ("employment.recruitment",),
          ("recruit", "applicant", "candidate")),
    Topic("affiliate programme", ("affiliate program",), (), ("affiliate",)),
)
"""Purposes as policies word them (phrases) and the register keys/words that show them."""

LEGAL_SUFFIXES = ("limited", "ltd", "llc", "inc", "incorporated", "gmbh", "ag", "sa", "sas", "sarl", "bv",
                  "nv", "plc", "corp", "corporation", "co", "company", "unlimited company", "group", "ab",
                  "oy", "as", "spa", "srl", "kk", "pty")
PLACEHOLDER_WORDS = ("unnamed", "unspecified", "to be identified", "to identify", "tbc", "to confirm")


# --------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossCheckItem:
    """One party, data category or purpose named on one side and not the other (or matched)."""

    kind: str
    text: str
    record: str | None = None
    key: str | None = None
    line: int | None = None
    context: str | None = None
    how: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f" [{self.record}]" if self.record else ""
        key = f" ({self.key})" if self.key and self.key not in self.text else ""
        line = f" line {self.line}: \"{self.context}\"" if self.line else ""
        return f"{self.kind}: {self.text}{key}{where}{line}"


@dataclass
class CrossCheckResult:
    """What the policy names and the register lacks, and what the register holds and the policy omits."""

    missing_in_register: list[CrossCheckItem] = field(default_factory=list)
    missing_in_policy: list[CrossCheckItem] = field(default_factory=list)
    matched: list[CrossCheckItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is missing on either side."""
        return not self.missing_in_register and not self.missing_in_policy

    @property
    def missing_from_policy(self) -> list[CrossCheckItem]:
        """Alias of :attr:`missing_in_policy`."""
        return self.missing_in_policy

    @property
    def missing_from_register(self) -> list[CrossCheckItem]:
        """Alias of :attr:`missing_in_register`."""
        return self.missing_in_register

    def as_dict(self) -> dict:
        return {"ok": self.ok,
                "missing_in_register": [i.as_dict() for i in self.missing_in_register],
                "missing_in_policy": [i.as_dict() for i in self.missing_in_policy],
                "matched": [i.as_dict() for i in self.matched]}

    def counts(self) -> dict[str, dict[str, int]]:
        """{side: {kind: number}} for a summary line."""
        out = {}
        for side in ("missing_in_register", "missing_in_policy", "matched"):
            items = getattr(self, side)
            out[side] = {k: sum(1 for i in items if i.kind == k) for k in KINDS}
        return out


# --------------------------------------------------------------------------
# Text: words with their positions
# --------------------------------------------------------------------------

_URL = re.compile(r"\]\([^)]*\)|https?://\S+|www\.\S+")
_WORD = re.compile(r"[^\W_]+")


def _fold(word: str) -> str:
    """Lower-case word with a plural folded (addresses -> address, inquiries -> inquiry)."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """The folded words of a phrase ("E-mail addresses" -> ["email", "address"])."""
    return Text(text).words


class Text:
    """A text cut into folded words, each with its character offset (for line and context)."""

    def __init__(self, text: str):
        self.raw = text
        clean = _URL.sub(lambda m: "]" + " " * (len(m.group()) - 1) if m.group().startswith("]")
                         else " " * len(m.group()), text)
        found: list[tuple[str, int, int]] = []
        for m in _WORD.finditer(clean):
            w = _fold(m.group())
            if found and found[-1][0] == "e" and w == "mail" and found[-1][2] >= m.start() - 1:
                found[-1] = ("email", found[-1][1], m.end())
                continue
            found.append((w, m.start(), m.end()))
        self.words = [w for w, _, _ in found]
        self.spans = [(s, e) for _, s, e in found]
        self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self._joined = " " + " ".join(self.words) + " "

    def contains(self, phrase: list[str] | tuple[str, ...]) -> bool:
        return bool(phrase) and f" {' '.join(phrase)} " in self._joined

    def line(self, index: int) -> int:
        return bisect.bisect_right(self._newlines, self.spans[index][0]) + 1

    def excerpt(self, start: int, end: int, width: int = 50) -> str:
        a, b = self.spans[start][0], self.spans[end - 1][1]
        lo, hi = max(0, a - width), min(len(self.raw), b + width)
        text = " ".join(re.sub(r"\\([-*_#.!\[\]()])", r"\1", self.raw[lo:hi]).split())
        return ("..." if lo else "") + text + ("..." if hi < len(self.raw) else "")


@dataclass
class _Span:
    start: int
    end: int
    targets: frozenset


def _spans(text: Text, table: dict[tuple[str, ...], set]) -> list[_Span]:
    """Longest-first, non-overlapping occurrences in ``text`` of the phrases of ``table``."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in table:
        if phrase:
            by_first.setdefault(phrase[0], []).append(phrase)
    found: list[_Span] = []
    ws = text.words
    for i, w in enumerate(ws):
        for phrase in by_first.get(w, ()):
            if tuple(ws[i:i + len(phrase)]) == phrase:
                found.append(_Span(i, i + len(phrase), frozenset(table[phrase])))
    found.sort(key=lambda s: (-(s.end - s.start), s.start))
    taken = [False] * len(ws)
    kept = []
    for s in found:
        if not any(taken[s.start:s.end]):
            kept.append(s)
            for k in range(s.start, s.end):
                taken[k] = True
    return sorted(kept, key=lambda s: s.start)


def _add(table: dict[tuple[str, ...], set], phrase: str, target) -> None:
    key = tuple(words(phrase))
    if key:
        table.setdefault(key, set()).add(target)


def _own_strings(value) -> Iterable[str]:
    """Every string in a dumped register, skipping ``evidence`` (the policy's own words)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k != "evidence":
                yield from _own_strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _own_strings(v)


def register_words(register: Register) -> Text:
    """The register's own words (all its text except evidence quotes), as a :class:`Text`."""
    dump = register.model_dump(mode="json", exclude={"source_path", "source_hash"})
    return Text("\n".join(_own_strings(dump)))


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


# --------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------

_PARENS = re.compile(r"\(([^()]*)\)")


def _strip_suffix(name: str) -> str:
    ws = name.replace(",", " ").replace(".", " ").split()
    while len(ws) > 1 and ws[-1].lower() in LEGAL_SUFFIXES:
        ws.pop()
    if len(ws) > 2 and " ".join(ws[-2:]).lower() == "unlimited company":
        ws = ws[:-2]
    return " ".join(ws)


def _unnamed(recipient: Recipient) -> bool:
    """A recipient the policy can only describe: a placeholder, our own staff, or public authorities."""
    return recipient.placeholder or recipient.role.value in ("internal", "public_authority")


def party_names(recipient: Recipient) -> list[str]:
    """The names a policy may use for a recipient: name, parenthesised aliases, name without
    legal-form suffix; for a placeholder also its category (words like 'unnamed' dropped)."""
    out: list[str] = []
    sources = (recipient.name, recipient.category or "") if _unnamed(recipient) else (recipient.name,)
    for text in sources:
        base = _PARENS.sub(" ", text).strip(" ,;-")
        aliases = [a.strip() for a in _PARENS.findall(text)]
        for candidate in (base, _strip_suffix(base), *aliases, *(_strip_suffix(a) for a in aliases)):
            candidate = " ".join(candidate.split())
            low = candidate.lower()
            if candidate and not any(w in low for w in PLACEHOLDER_WORDS) and candidate not in out:
                out.append(candidate)
    return out


def _evidence_found(text: Text, evidence: Iterable[str]) -> bool:
    return any(len(ws) >= 4 and text.contains(ws) for ws in (words(e) for e in evidence))


def _parties(register: Register, text: Text, result: CrossCheckResult) -> None:
    table: dict[tuple[str, ...], set] = {}
    names = {r.id: party_names(r) for r in register.recipients}
    name_words = {rid: [words(n) for n in ns] for rid, ns in names.items()}
    for rid, ns in names.items():
        for n in ns:
            _add(table, n, ("recipient", rid))
    for display, aliases in KNOWN_PARTIES.items():
        for alias in aliases:
            aw = words(alias)
            owners = [rid for rid, nws in name_words.items()
                      if any(_within(aw, nw) or _within(nw, aw) for nw in nws)]
            for rid in owners:
                _add(table, alias, ("recipient", rid))
            if not owners:
                _add(table, alias, ("known", display))
    for phrase in NOT_PARTIES:
        _add(table, phrase, ("ignore", phrase))
    own_text = {r.id: f"{r.name} {r.category or ''}".lower() for r in register.recipients}
    context = dict(own_text)
    for a in register.activities:  # what a recipient is used for also says what kind of party it is
        for link in a.recipients:
            if link.recipient in context:
                extra = [a.name, link.purpose or ""] + [p.description or p.key for p in a.purposes]
                context[link.recipient] += " " + " ".join(extra).lower()
    roles = {r.id: r.role.value for r in register.recipients}
    unnamed = {r.id for r in register.recipients if _unnamed(r)}
    for cat, (phrases, kws, cat_roles) in PARTY_CATEGORIES.items():
        fits = [rid for rid in context if any(k in context[rid] for k in kws) or roles[rid] in cat_roles]
        described = [rid for rid in fits if rid in unnamed
                     and (any(k in own_text[rid] for k in kws) or roles[rid] in cat_roles)]
        for phrase in phrases:
            for rid in described:
                _add(table, phrase, ("category_of", rid))
            _add(table, phrase, ("category_fits", cat) if fits else ("category", cat))

    spans = _spans(text, table)
    named: dict[str, str] = {}
    reported: set[str] = set()
    for s in spans:
        for kind, value in sorted(s.targets):
            if kind == "recipient":
                named[value] = "name"
            elif kind == "category_of":
                named.setdefault(value, "category")  # an unnamed recipient the policy describes
            elif kind in ("known", "category") and value not in reported:
                reported.add(value)
                found = " ".join(text.raw[text.spans[s.start][0]:text.spans[s.end - 1][1]].split())
                result.missing_in_register.append(CrossCheckItem(
                    "party", found if kind == "known" else f"{found} ({value})", None, None,
                    text.line(s.start), text.excerpt(s.start, s.end)))
    for r in register.recipients:
        how = named.get(r.id)
        if how is None and r.id in unnamed and _evidence_found(text, r.evidence):
            how = "evidence"
        item = CrossCheckItem("party", r.name, r.id, how=how)
        (result.matched if how else result.missing_in_policy).append(item)


def _within(small: list[str], big: list[str]) -> bool:
    n = len(small)
    return n > 0 and any(big[i:i + n] == small for i in range(len(big) - n + 1))


# --------------------------------------------------------------------------
# Data categories
# --------------------------------------------------------------------------


def _label_parts(label: str) -> list[str]:
    """A label, its pieces between commas, 'and', 'or', brackets, and each piece's leading
    words (two or more): "software registration code sent to X" -> "software registration"..."""
    pieces = [label]
    for piece in re.split(r"[,;/]| and | or |\.\.\.|\(|\)", label):
        piece = piece.strip(" -:\"'")
        if len(piece) > 2 and piece not in pieces:
            pieces.append(piece)
    parts = list(pieces)
    for piece in pieces:
        ws = piece.split()
        parts += [" ".join(ws[:n]) for n in range(2, len(ws)) if " ".join(ws[:n]) not in parts]
    return parts


def _categories(register: Register, text: Text, in_force: list[ProcessingActivity],
                result: CrossCheckResult, own: Text) -> None:
    from audit_lib.audit.core import is_anonymous_category

    names = dict(default_keys()["data_categories"])
    names.update({t.fides_key: t.name for t in register.taxonomy.data_categories})
    table: dict[tuple[str, ...], set] = {}
    for phrase, keys in CATEGORY_PHRASES.items():
        for k in keys:
            _add(table, phrase, ("phrase", k))
    for phrase, keys in WEAK_CATEGORY_PHRASES.items():
        for k in keys:
            _add(table, phrase, ("weak", k))
    collected: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    all_keys: set[str] = set()
    for a in in_force:
        for c in a.data_categories:
            all_keys.add(c.key)
            if is_anonymous_category(c.key, c.label):
                continue
            collected.setdefault(c.key, [])
            if a.id not in collected[c.key]:
                collected[c.key].append(a.id)
            if c.label:
                labels.setdefault(c.key, []).append(c.label)
    for key in all_keys:
        _add(table, names.get(key, key), ("register", key))
        for lab in labels.get(key, ()):
            for part in _label_parts(lab):
                _add(table, part, ("register", key))

    spans = _spans(text, table)
    named_keys = {k for s in spans for _, k in s.targets}
    reported: set[str] = set()
    for s in spans:
        keys = [k for kind, k in s.targets if kind == "phrase"]
        if not keys or any(_related(k, rk) for k in keys for rk in all_keys):
            continue
        found = " ".join(text.raw[text.spans[s.start][0]:text.spans[s.end - 1][1]].split())
        if found.lower() in reported or own.contains(text.words[s.start:s.end]):
            continue
        reported.add(found.lower())
        result.missing_in_register.append(CrossCheckItem(
            "data category", found, None, keys[0], text.line(s.start), text.excerpt(s.start, s.end)))
    for key, acts in sorted(collected.items()):
        shown = labels.get(key, [names.get(key, key)])[0]
        hit = any(_related(key, k) for k in named_keys)
        item = CrossCheckItem("data category", shown, ", ".join(acts), key, how="named" if hit else None)
        (result.matched if hit else result.missing_in_policy).append(item)


# --------------------------------------------------------------------------
# Purposes
# --------------------------------------------------------------------------


def _activity_text(a: ProcessingActivity) -> str:
    """Everything the register says about an activity's purposes, in words (for topic matching)."""
    parts = [a.name, a.description or "", a.legitimate_interest or ""]
    parts += [t for p in a.purposes for t in (p.description, p.label)]
    parts += [t for r in a.retention for t in (r.trigger, r.description)]
    parts += [link.purpose for link in a.recipients]
    parts += [s.description for s in a.sources]
    return " ".join(p for p in parts if p).lower()


def _topics_of(a: ProcessingActivity, key: str, own_text: str) -> list[Topic]:
    return [t for t in PURPOSE_TOPICS
            if any(_related(key, k) for k in t.keys) or any(w in own_text for w in t.words)]


def _purposes(register: Register, text: Text, in_force: list[ProcessingActivity],
              result: CrossCheckResult, own: Text) -> None:
    uses = default_keys()["data_uses"]
    table: dict[tuple[str, ...], set] = {}
    for t in PURPOSE_TOPICS:
        for phrase in t.phrases:
            _add(table, phrase, t.name)
    spans = _spans(text, table)
    mentioned: dict[str, _Span] = {}
    for s in spans:
        for name in s.targets:
            mentioned.setdefault(name, s)

    texts = {a.id: _activity_text(a) for a in in_force}
    keys = [p.key for a in in_force for p in a.purposes]
    bases = {b for a in in_force for b in a.legal_basis}
    for t in PURPOSE_TOPICS:
        s = mentioned.get(t.name)
        if s is None:
            continue
        present = (any(_related(k, tk) for k in keys for tk in t.keys)
                   or any(w in txt for txt in texts.values() for w in t.words)
                   or bool(bases & set(t.bases)) or own.contains(text.words[s.start:s.end]))
        if not present:
            found = " ".join(text.raw[text.spans[s.start][0]:text.spans[s.end - 1][1]].split())
            result.missing_in_register.append(CrossCheckItem(
                "purpose", f"{found} ({t.name})", None, None, text.line(s.start),
                text.excerpt(s.start, s.end)))

    for a in in_force:
        quoted = _evidence_found(text, a.evidence)
        for p in a.purposes:
            own = (p.description or p.label or a.name).lower()
            verbatim = [p.description, p.label, uses.get(p.key), a.name]
            how = None
            if any(v and len(words(v)) >= 1 and text.contains(words(v)) for v in verbatim):
                how = "named"
            elif any(t.name in mentioned for t in _topics_of(a, p.key, own)):
                how = "topic"
            elif quoted:
                how = "evidence"
            item = CrossCheckItem("purpose", str(p), a.id, p.key, how=how)
            (result.matched if how else result.missing_in_policy).append(item)


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def crosscheck(register: Register, policy_text: str) -> CrossCheckResult:
    """Compare a privacy policy text with a register: parties, data categories, purposes.

    Activities with status retired are left out. See the module docstring for the rules.
    """
    from audit_lib.model import ActivityStatus

    text = Text(policy_text)
    in_force = [a for a in register.activities if a.status is not ActivityStatus.retired]
    result = CrossCheckResult()
    _parties(register, text, result)
    own = register_words(register)
    _categories(register, text, in_force, result, own)
    _purposes(register, text, in_force, result, own)
    order = {k: i for i, k in enumerate(KINDS)}
    for items in (result.missing_in_register, result.missing_in_policy, result.matched):
        items.sort(key=lambda i: (order[i.kind], i.line or 0, i.record or "", i.text))
    return result


def report(result: CrossCheckResult, policy_name: str = "the policy",
           register_name: str = "the register") -> str:
    """The result as text for a terminal: both lists, then a count of what matched."""
    lines = []
    sides = (("missing_in_register", f"Named in {policy_name} but missing in {register_name}"),
             ("missing_in_policy", f"In {register_name} but not named in {policy_name}"))
    for attr, title in sides:
        items = getattr(result, attr)
        lines.append(f"{title}: {len(items)}")
        for i in items:
            key = f" ({i.key})" if i.key and i.key not in i.text else ""
            rec = f" [{i.record}]" if i.record else ""
            lines.append(f"  {i.kind:<13} {i.text}{key}{rec}")
            if i.line:
                lines.append(f"  {'':<13} line {i.line}: {i.context}")
        lines.append("")
    m = result.counts()["matched"]
    plural = {"party": "parties", "data category": "data categories", "purpose": "purposes"}
    lines.append("Matched: " + ", ".join(f"{n} {k if n == 1 else plural[k]}" for k, n in m.items()))
    return "\n".join(lines) + "\n"
