"""Matching organisation names: normalisation, a similarity score, the decision rules and a
blocking index. Pure functions and in-memory structures only; services.link_records applies them
to the database.

How two records are compared (docs: "Organisation linkage"):

1. Registered numbers decide first. The same company number means the same organisation, whatever
   the names; two different company numbers mean different organisations, even with equal names.
   Charity numbers likewise. A university and an NHS body are never the same organisation.
2. Otherwise the names are normalised (case, accents, punctuation, '&'/'and', legal forms such as
   LTD/LIMITED/PLC/LLP/CIC, 'The', 'U.K.'/'(UK)', 'University of X' = 'X University', council
   legal names, and common abbreviations: Univ, Hosp, NHS FT, Intl, Ctr, FC, …) and scored 0–100
   by a weighted token match: each token of one name is compared with each token of the other
   (rapidfuzz `fuzz.ratio` ≥ 85, so 'Univeristy' still matches 'University'; joined words too,
   'Landover' ~ 'Land Rover'). Distinctive tokens ('Alder', 'Hey', 'Croda') weigh 1, generic
   ones ('University', 'Centre', 'UK', 'Group') 0.5, 'Hospital' 0.25, and 'NHS', 'Foundation',
   'Trust', 'St' 0.1. Trading and former names ('t/a', '(formerly …)') are further forms of the
   name, and the best form wins. A match found only once a bracketed qualifier is dropped
   ('(Global Digital Exemplar)') scores 95% of its score. A name that is the other's acronym
   ('LJMU', 'STFC') scores ACRONYM_SCORE, so it is never an automatic merge and always a question
   for an officer.
3. score ≥ T_HIGH: the same organisation (merged automatically);
   T_LOW ≤ score < T_HIGH: ambiguous, queued for an officer;
   score < T_LOW: a different organisation.
   If two organisations both reach T_HIGH within AMBIGUITY_MARGIN of each other, an officer
   decides.

T_HIGH and T_LOW were chosen on the labelled pairs in data/labelled_pairs.csv with
calculations.choose_thresholds (see its rule); tests/test_labelled_pairs.py measures them and
`northstar linkage_report` prints the figures.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz, process

# --- Thresholds (0–100), chosen on the labelled set: see calculations.choose_thresholds ---


@dataclass(frozen=True)
class Thresholds:
    high: float  # at or above: the same organisation, merged automatically
    low: float  # at or above (and below high): ambiguous, for an officer to decide

    def __post_init__(self):
        if not 0 <= self.low <= self.high <= 100:
            raise ValueError(f"need 0 ≤ low ≤ high ≤ 100, got {self.low}, {self.high}")


# Chosen by calculations.choose_thresholds on the 291 labelled pairs: the highest-scoring pair of
# different organisations scores 82.8 ('Alder Hey Children's Hospital' / 'Alder Hey Children's
# Charity') → T_HIGH = 83 + 2; T_LOW = 75 keeps 97% of the true pairs merged or queued.
# On the set: precision 1.000, recall 0.924, review share 6.5%.
T_HIGH = 85.0
T_LOW = 75.0
THRESHOLDS = Thresholds(high=T_HIGH, low=T_LOW)
# An acronym of the other name ('LJMU' / 'Liverpool John Moores University') is a question for an
# officer, never an automatic merge: it scores between the thresholds.
ACRONYM_SCORE = 80.0
# When two or more different organisations score at or above T_HIGH, the best merges
# automatically only if it leads the next by at least this much; otherwise an officer decides.
AMBIGUITY_MARGIN = 3.0

# --- Identifiers ---

_COMPANY_NUMBER = re.compile(r"^(?:\d{8}|[A-Z]{2}\d{6}|R0\d{6})$")


def normalise_company_number(value: str | None) -> str:
    """A Companies House number as its 8 characters ('3856722' → '03856722', 'sc 12345' →
    'SC012345'), or '' when the value is not one ('N/A', '0', 'Not applicable')."""
    text = re.sub(r"[\s.\-/]", "", (value or "").upper())
    if not text:
        return ""
    if text.isdigit():
        if len(text) > 8 or int(text) == 0:
            return ""
        text = text.zfill(8)
    else:
        match = re.fullmatch(r"([A-Z][A-Z0-9])(\d{1,6})", text)
        if not match:
            return ""
        if int(match.group(2)) == 0:
            return ""
        text = match.group(1) + match.group(2).zfill(6)
    return text if _COMPANY_NUMBER.match(text) else ""


def normalise_charity_number(value: str | None) -> str:
    """A charity number: England & Wales digits ('1 123 456' → '1123456'), Scotland 'SC012345',
    Northern Ireland 'NIC100002'; '' when not one."""
    text = re.sub(r"[\s.\-/]", "", (value or "").upper())
    if re.fullmatch(r"\d{6,7}", text) and int(text):
        return text
    if re.fullmatch(r"SC\d{6}", text) or re.fullmatch(r"NIC\d{6}", text):
        return text
    return ""


def registered_org_id(company_number: str = "", charity_number: str = "") -> str:
    """The org-id (org-id.guide, as UK grant open data and 360Giving use) of a registered body,
    or '' when it has no registered number. A company number wins over a charity number."""
    if company_number:
        return f"GB-COH-{company_number}"
    if charity_number.startswith("SC"):
        return f"GB-SC-{charity_number}"
    if charity_number.startswith("NIC"):
        return f"GB-NIC-{charity_number[3:]}"
    if charity_number:
        return f"GB-CHC-{charity_number}"
    return ""


MINTED_PREFIX = "XI-NORTHSTAR-"
REGISTERED_PREFIXES = ("GB-COH-", "GB-CHC-", "GB-SC-", "GB-NIC-")


def minted_org_id(seed: str, attempt: int = 0) -> str:
    """A Northstar identifier for an organisation without a registered number: derived from the
    record that founded it, so the same data loaded into a fresh installation gets the same ids."""
    digest = hashlib.sha256(f"{seed}\x1f{attempt}".encode()).hexdigest()[:10].upper()
    return f"{MINTED_PREFIX}{digest}"


def is_registered_org_id(org_id: str) -> bool:
    return org_id.startswith(REGISTERED_PREFIXES)


# --- Names ---

_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ß": "ss",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "’": "'",
        "‘": "'",
        "`": "'",
        "–": "-",
        "—": "-",
    }
)

# Legal forms: dropped wherever they stand.
LEGAL_FORMS = frozenset({"limited", "ltd", "plc", "llp", "cic", "lp", "llc", "inc", "incorporated"})
# Dropped only at the end of a name ('Siemens AG', 'Smith & Co Ltd', 'The Walt Disney Company').
LEGAL_FORMS_AT_END = frozenset(
    {"gmbh", "ag", "sa", "sas", "bv", "nv", "srl", "spa", "co", "company"}
)
# Phrases that mean a legal form or one thing written several ways.
PHRASES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("public", "limited", "company"), ()),
    (("community", "interest", "company"), ()),
    (("limited", "liability", "partnership"), ()),
    (("company", "limited", "by", "guarantee"), ()),
    (("united", "kingdom"), ("uk",)),
    (("great", "britain"), ("gb",)),
    (("nhs", "ft"), ("nhs", "foundation", "trust")),
    (("nhs", "fdn", "trust"), ("nhs", "foundation", "trust")),
    (("r", "and", "d"), ("research", "and", "development")),
)
ABBREVIATIONS = {
    "univ": "university",
    "uni": "university",
    "universty": "university",
    "hosp": "hospital",
    "hosps": "hospitals",
    "intl": "international",
    "int": "international",
    "natl": "national",
    "inst": "institute",
    "ctr": "centre",
    "cntr": "centre",
    "center": "centre",
    "centres": "centre",
    "centers": "centre",
    "lab": "laboratory",
    "labs": "laboratory",
    "laboratories": "laboratory",
    "dept": "department",
    "assoc": "association",
    "mfg": "manufacturing",
    "grp": "group",
    "hldgs": "holdings",
    "svcs": "services",
    "sch": "school",
    "coll": "college",
    "fc": "football club",
    "afc": "football club",
    "saint": "st",
    "organization": "organisation",
    "technologies": "technology",
    "sciences": "science",
    "systems": "system",
    "solutions": "solution",
    "services": "service",
    "industries": "industry",
    "innovations": "innovation",
    "hospitals": "hospital",
    "partners": "partner",
    "networks": "network",
    "facilities": "facility",
    "enterprises": "enterprise",
    "ventures": "venture",
    "products": "product",
    "diagnostics": "diagnostic",
    "therapeutics": "therapeutic",
    "materials": "material",
    "developments": "development",
    "consultants": "consultant",
    "pharmaceuticals": "pharmaceutical",
    "engineers": "engineer",
}
STOP_WORDS = frozenset({"the", "and", "of", "for", "in", "at", "on", "upon", "a", "an", "to", "by"})
# Weak tokens: they say little about which organisation it is.
WEAK = frozenset({"nhs", "foundation", "trust", "st"})
# Light tokens: a hospital is named now by its site, now by the trust that runs it.
LIGHT = frozenset({"hospital"})
# Generic tokens: a sector or a kind of body, shared by many organisations.
GENERIC = frozenset(
    (
        "university",
        "college",
        "school",
        "institute",
        "institution",
        "centre",
        "council",
        "research",
        "development",
        "innovation",
        "technology",
        "laboratory",
        "national",
        "royal",
        "system",
        "solution",
        "service",
        "engineering",
        "engineer",
        "medical",
        "medicine",
        "health",
        "healthcare",
        "care",
        "partnership",
        "partner",
        "network",
        "hub",
        "park",
        "science",
        "scientific",
        "digital",
        "energy",
        "international",
        "global",
        "europe",
        "european",
        "industry",
        "industrial",
        "product",
        "consulting",
        "consultant",
        "consultancy",
        "design",
        "enterprise",
        "venture",
        "capital",
        "management",
        "manufacturing",
        "material",
        "software",
        "data",
        "analytics",
        "bio",
        "pharma",
        "pharmaceutical",
        "therapeutic",
        "diagnostic",
        "catapult",
        "agency",
        "authority",
        "region",
        "combined",
        "county",
        "borough",
        "community",
        "society",
        "association",
        "club",
        "football",
        "trading",
        "consortium",
        "facility",
        "unit",
        "department",
        "faculty",
        "programme",
        "project",
        "office",
        "corporation",
        "teaching",
        "clinical",
        "academic",
        "applied",
        "advanced",
        "biotechnology",
        "biologics",
        "business",
        "uk",
        "gb",
        "england",
        "britain",
        "group",
        "holdings",
    )
)
WEAK_WEIGHT = 0.1
LIGHT_WEIGHT = 0.25
GENERIC_WEIGHT = 0.5
DISTINCTIVE_WEIGHT = 1.0
# Two tokens are "the same word" when rapidfuzz's ratio reaches this (typos, plurals); tokens
# shorter than MIN_FUZZY_LENGTH must be equal.
TOKEN_MATCH = 85.0
MIN_FUZZY_LENGTH = 5
# Parenthesised words kept as part of the name ('Pharmaron Biologics (UK) Ltd'); other
# parentheses that are the name's acronym are kept aside as its acronym.
ALSO_KNOWN_AS = re.compile(
    r"\s+(?:t/a|t/as|trading\s+as|trading\s+name|formerly|previously|also\s+known\s+as|aka"
    r"|operating\s+as)\s+",
    re.IGNORECASE,
)
_DOTTED = re.compile(r"\b[a-z](?:\.[a-z])+\b\.?")
_PAREN = re.compile(r"\(([^()]*)\)")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _raw_tokens(text: str) -> list[str]:
    """Folded, punctuation-free words of a name, with phrases and abbreviations expanded."""
    text = _fold(text).replace("'", "")
    text = _DOTTED.sub(lambda m: " " + m.group(0).replace(".", "") + " ", text)
    text = re.sub(r"[&+]", " and ", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, replacement in PHRASES:
            if tuple(words[i : i + len(phrase)]) == phrase:
                out.extend(replacement)
                i += len(phrase)
                break
        else:
            out.extend(ABBREVIATIONS.get(words[i], words[i]).split())
            i += 1
    return out


def _strip_legal(words: list[str]) -> list[str]:
    words = [w for w in words if w not in LEGAL_FORMS]
    while len(words) > 1 and words[-1] in LEGAL_FORMS_AT_END | {"and"}:
        words = words[:-1]
    return words


# English local authorities: 'Knowsley Metropolitan Borough Council', 'Metropolitan Borough of
# Wirral', 'Halton Borough Council' → 'knowsley council', 'wirral council', 'halton council'.
_COUNCIL_PREFIXES = (
    ("metropolitan", "borough", "of"),
    ("royal", "borough", "of"),
    ("borough", "of"),
)
_COUNCIL_SUFFIXES = (("metropolitan", "borough", "council"), ("borough", "council"))


def _canonical(words: list[str]) -> list[str]:
    words = [w for w in _strip_legal(words) if w != "the"]
    # 'University of X' → 'X University', the order most names use.
    if len(words) > 2 and words[0] == "university" and words[1] == "of":
        words = [*words[2:], "university"]
    for prefix in _COUNCIL_PREFIXES:
        if len(words) > len(prefix) and tuple(words[: len(prefix)]) == prefix:
            words = [*words[len(prefix) :], "council"]
            break
    for suffix in _COUNCIL_SUFFIXES:
        if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
            words = [*words[: -len(suffix)], "council"]
            break
    return words


def initials(words: Iterable[str]) -> str:
    return "".join(w[0] for w in words if w)


@dataclass(frozen=True)
class NameForms:
    """The normalised forms of one name: its legal name and any trading or former names, the
    acronyms it declares ('(LSTM)'), and the initials of each form."""

    names: tuple[str, ...]
    acronyms: tuple[str, ...] = ()
    initials: tuple[str, ...] = ()
    # The names without a bracketed qualifier ('Alder Hey Children's Hospital (Global Digital
    # Exemplar)' → 'alder hey childrens hospital'); a match through one is discounted.
    bare: tuple[str, ...] = ()

    @property
    def primary(self) -> str:
        return self.names[0] if self.names else ""

    def merged(self, other: NameForms, limit: int = 24) -> NameForms:
        def union(a, b):
            return tuple(dict.fromkeys((*a, *b)))[:limit]

        return NameForms(
            union(self.names, other.names),
            union(self.acronyms, other.acronyms),
            union(self.initials, other.initials),
            union(self.bare, other.bare),
        )


def _looks_like_acronym(text: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", text)
    return (
        2 <= len(letters) <= 8
        and " " not in text.strip()
        and sum(c.isupper() for c in letters) >= 2
    )


# Bracketed words that are part of a legal name, never a mere qualifier.
_PART_OF_NAME = frozenset(
    {"uk", "gb", "england", "scotland", "wales", "ni", "europe", "international", "holdings"}
    | {"operations", "trading", "services", "group", "and", "northern", "ireland", "eu"}
)
_NOT_ACRONYMS = frozenset({"UK", "GB", "NI", "EU", "THE"})


def _brackets(part: str, *, drop_qualifiers: bool) -> tuple[str, list[str], list[str], bool]:
    """A name with its bracketed parts dealt with: trading or former names ('(formerly X)') set
    aside, acronyms ('(LSTM)') set aside, words that belong to the name ('(UK)') kept, and other
    qualifiers ('(Global Digital Exemplar)') kept or dropped. Returns the text, the other names,
    the acronyms, and whether a qualifier was seen."""
    other_names: list[str] = []
    acronyms: list[str] = []
    qualified = False

    def replace(match: re.Match) -> str:
        nonlocal qualified
        inner = match.group(1).strip()
        words = _raw_tokens(inner)
        if words and words[0] in {"formerly", "previously", "trading", "aka", "t"}:
            other_names.append(
                re.sub(r"^\W*(formerly|previously|trading as|aka|t/a)\W*", "", inner, flags=re.I)
            )
            return " "
        if _looks_like_acronym(inner) and inner.upper() not in _NOT_ACRONYMS:
            acronyms.append("".join(words))
            return " "
        if words and not set(words) <= _PART_OF_NAME | {"the"}:
            qualified = True
            return " " if drop_qualifiers else f" {inner} "
        return f" {inner} "

    return _PAREN.sub(replace, part), other_names, acronyms, qualified


@lru_cache(maxsize=200_000)
def name_forms(name: str) -> NameForms:
    """Every normalised form of a name as a dataset prints it."""
    parts = [p for p in ALSO_KNOWN_AS.split(name or "") if p.strip()]
    names: list[str] = []
    bare_names: list[str] = []
    acronyms: list[str] = []
    inits: list[str] = []
    for part in parts:
        text, other_names, part_acronyms, qualified = _brackets(part, drop_qualifiers=False)
        acronyms.extend(part_acronyms)
        words = _raw_tokens(text)
        canonical = _canonical(words)
        if canonical:
            names.append(" ".join(canonical))
            no_legal = _strip_legal(words)
            inits.append(initials(no_legal))
            inits.append(initials(w for w in no_legal if w not in STOP_WORDS))
        if qualified:
            bare = _canonical(_raw_tokens(_brackets(part, drop_qualifiers=True)[0]))
            if bare:
                bare_names.append(" ".join(bare))
        for extra in other_names:
            extra_words = _canonical(_raw_tokens(extra))
            if extra_words:
                names.append(" ".join(extra_words))
    return NameForms(
        tuple(dict.fromkeys(names)),
        tuple(dict.fromkeys(a for a in acronyms if a)),
        tuple(dict.fromkeys(i for i in inits if len(i) >= 2)),
        tuple(dict.fromkeys(b for b in bare_names if b not in names)),
    )


def normalise_name(name: str) -> str:
    """The primary normalised form of a name: 'The University of Liverpool' → 'liverpool
    university', 'UNILEVER U.K. LIMITED' → 'unilever uk'."""
    return name_forms(name).primary


# --- The score ---


def token_weight(token: str) -> float:
    if token in STOP_WORDS:
        return 0.0
    if token in WEAK:
        return WEAK_WEIGHT
    if token in LIGHT:
        return LIGHT_WEIGHT
    if token in GENERIC:
        return GENERIC_WEIGHT
    return DISTINCTIVE_WEIGHT


def _token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) < MIN_FUZZY_LENGTH or a.isdigit() or b.isdigit():
        return 0.0
    ratio = fuzz.ratio(a, b, score_cutoff=TOKEN_MATCH)
    return ratio / 100.0


def _matches(left: list[str], right: list[str]) -> tuple[list[float], list[float]]:
    """How well each token of each side is matched by the other side (0–1), counting a token
    that matches two adjacent tokens joined ('landover' ~ 'land'+'rover') for both of them."""
    left_m = [0.0] * len(left)
    right_m = [0.0] * len(right)
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            s = _token_similarity(a, b)
            if s > left_m[i]:
                left_m[i] = s
            if s > right_m[j]:
                right_m[j] = s
    for side, other, side_m, other_m in (
        (left, right, left_m, right_m),
        (right, left, right_m, left_m),
    ):
        for j in range(len(other) - 1):
            joined = other[j] + other[j + 1]
            for i, a in enumerate(side):
                if side_m[i] >= 1.0 or len(a) < MIN_FUZZY_LENGTH:
                    continue
                s = _token_similarity(a, joined)
                if s > side_m[i]:
                    side_m[i] = s
                    other_m[j] = max(other_m[j], s)
                    other_m[j + 1] = max(other_m[j + 1], s)
    return left_m, right_m


@lru_cache(maxsize=500_000)
def name_score(a: str, b: str) -> float:
    """Similarity 0–100 of two normalised names: the weighted share of tokens, on both sides,
    that the other side matches (a soft, weighted Dice coefficient)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    left, right = a.split(), b.split()
    left_m, right_m = _matches(left, right)
    total = sum(token_weight(t) for t in left) + sum(token_weight(t) for t in right)
    if total == 0:
        return 100.0 if left == right else 0.0
    matched = sum(token_weight(t) * m for t, m in zip(left, left_m, strict=True))
    matched += sum(token_weight(t) * m for t, m in zip(right, right_m, strict=True))
    return round(100.0 * matched / total, 2)


def _is_acronym_of(short: NameForms, long: NameForms) -> bool:
    singles = {n for n in short.names if " " not in n and 2 <= len(n) <= 8}
    singles |= set(short.acronyms)
    if not singles:
        return False
    return bool(singles & (set(long.initials) | set(long.acronyms)))


# A match found only once a bracketed qualifier is set aside scores this share of its score.
QUALIFIER_DISCOUNT = 0.95


def _pair_score(x: str, y: str) -> float:
    return name_score(x, y) if x <= y else name_score(y, x)


def forms_score(a: NameForms, b: NameForms) -> float:
    """The best score over every form of each name; a match through a name without its bracketed
    qualifier is discounted; an acronym match scores ACRONYM_SCORE."""
    best = 0.0
    for x in a.names:
        for y in b.names:
            best = max(best, _pair_score(x, y))
            if best >= 100.0:
                return best
    if a.bare or b.bare:
        for x in (*a.names, *a.bare):
            for y in (*b.names, *b.bare):
                if x in a.bare or y in b.bare:
                    best = max(best, round(QUALIFIER_DISCOUNT * _pair_score(x, y), 2))
    if best < ACRONYM_SCORE and (_is_acronym_of(a, b) or _is_acronym_of(b, a)):
        best = ACRONYM_SCORE
    return best


def body_kind(forms: NameForms) -> str:
    """'nhs' or 'university' when the name says so, else ''. A university and an NHS body are
    never the same organisation ('University of Manchester' / 'Manchester University NHS
    Foundation Trust')."""
    words = {w for n in forms.names for w in n.split()}
    if "nhs" in words:
        return "nhs"
    if "university" in words and "hospital" not in words:
        return "university"
    return ""


def guess_kind(forms: NameForms, company_number: str = "", charity_number: str = "") -> str:
    """A first guess at the kind of organisation (an OrganisationKind value) from its name and
    numbers; officers can correct it."""
    words = {w for n in forms.names for w in n.split()}
    kind = body_kind(forms)
    if kind:
        return kind
    if words & {"council", "authority", "agency"} and not company_number:
        return "public_body"
    if charity_number and not company_number:
        return "charity"
    if company_number:
        return "company"
    return "other"


# --- Decisions ---


class Decision(StrEnum):
    SAME = "same"  # merge automatically
    REVIEW = "review"  # ask an officer
    DIFFERENT = "different"  # a different organisation


@dataclass(frozen=True)
class Party:
    """One side of a comparison: a record, or an organisation with all its records' names."""

    forms: NameForms
    company_number: str = ""
    charity_number: str = ""

    @classmethod
    def of(cls, name: str, company_number: str = "", charity_number: str = "") -> Party:
        return cls(
            name_forms(name),
            normalise_company_number(company_number),
            normalise_charity_number(charity_number),
        )


@dataclass(frozen=True)
class Comparison:
    decision: Decision
    score: float
    reason: str  # "company_number", "charity_number", "different_numbers", "name"


def compare(a: Party, b: Party, thresholds: Thresholds = THRESHOLDS) -> Comparison:
    """The decision rules: registered numbers first, then the name score against thresholds."""
    if a.company_number and b.company_number:
        if a.company_number == b.company_number:
            return Comparison(Decision.SAME, 100.0, "company_number")
        return Comparison(Decision.DIFFERENT, forms_score(a.forms, b.forms), "different_numbers")
    if a.charity_number and b.charity_number:
        if a.charity_number == b.charity_number:
            return Comparison(Decision.SAME, 100.0, "charity_number")
        return Comparison(Decision.DIFFERENT, forms_score(a.forms, b.forms), "different_numbers")
    score = forms_score(a.forms, b.forms)
    kinds = {body_kind(a.forms), body_kind(b.forms)}
    if kinds == {"nhs", "university"}:
        return Comparison(Decision.DIFFERENT, score, "different_kinds")
    return Comparison(decide_score(score, thresholds), score, "name")


def decide_score(score: float, thresholds: Thresholds = THRESHOLDS) -> Decision:
    if score >= thresholds.high:
        return Decision.SAME
    if score >= thresholds.low:
        return Decision.REVIEW
    return Decision.DIFFERENT


# --- Blocking: which organisations a record is compared with ---

# A block (the organisations sharing one token) larger than this is used only when a name has
# no smaller one; candidates beyond RERANK_LIMIT are pre-ranked with rapidfuzz.process.extract.
MAX_BLOCK = 500
RERANK_LIMIT = 30


def block_keys(forms: NameForms) -> set[str]:
    """The index keys of a name: its distinctive words (or, if it has none, its generic ones),
    a four-letter prefix of each long distinctive word (catches typos after the fourth letter),
    and its initials (so 'LJMU' finds 'Liverpool John Moores University')."""
    keys: set[str] = set()
    for name in forms.names:
        words = [w for w in name.split() if w not in STOP_WORDS]
        distinctive = [w for w in words if token_weight(w) == DISTINCTIVE_WEIGHT]
        chosen = distinctive or [w for w in words if token_weight(w) > 0] or words
        for w in chosen:
            keys.add(f"t:{w}")
            if len(w) >= 7:
                keys.add(f"p:{w[:4]}")
        if len(words) == 1 and 2 <= len(words[0]) <= 8:
            keys.add(f"a:{words[0]}")
        # Joined neighbours, so 'Land Rover' finds 'Landover' and vice versa.
        for x, y in itertools.pairwise(distinctive):
            keys.add(f"t:{x}{y}")
    for acronym in (*forms.acronyms, *forms.initials):
        keys.add(f"a:{acronym}")
    return keys


@dataclass
class Entry:
    key: Hashable
    forms: NameForms
    company_number: str = ""
    charity_number: str = ""

    @property
    def party(self) -> Party:
        return Party(self.forms, self.company_number, self.charity_number)

    @property
    def text(self) -> str:
        """The names as one string, for rapidfuzz's pre-ranking."""
        if getattr(self, "_text_of", None) is not self.forms:
            self._text_of, self._text = self.forms, " ".join(self.forms.names[:3])
        return self._text


@dataclass
class Match:
    key: Hashable
    score: float
    decision: Decision


@dataclass
class Outcome:
    """Where one record goes: `merge_with` (an existing entry), or a new organisation, with
    `candidates` for an officer to review when the record is ambiguous."""

    merge_with: Hashable | None
    how: str  # company_number, charity_number, name_exact, name_fuzzy, new
    score: float | None = None
    candidates: list[Match] = field(default_factory=list)
    note: str = ""


class OrganisationIndex:
    """The organisations known so far, indexed for blocking, in memory."""

    def __init__(self, thresholds: Thresholds = THRESHOLDS):
        self.thresholds = thresholds
        self.entries: dict[Hashable, Entry] = {}
        self.postings: dict[str, set[Hashable]] = defaultdict(set)
        self.by_company: dict[str, Hashable] = {}
        self.by_charity: dict[str, Hashable] = {}
        self.scored = 0  # how many full comparisons were made (to test that blocking blocks)

    def add(
        self,
        key: Hashable,
        forms: NameForms,
        company_number: str = "",
        charity_number: str = "",
    ) -> Entry:
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = Entry(key, forms, company_number, charity_number)
            new_forms = forms
        else:
            new_forms = forms
            entry.forms = entry.forms.merged(forms)
            entry.company_number = entry.company_number or company_number
            entry.charity_number = entry.charity_number or charity_number
        for k in block_keys(new_forms):
            self.postings[k].add(key)
        if entry.company_number:
            self.by_company.setdefault(entry.company_number, key)
        if entry.charity_number:
            self.by_charity.setdefault(entry.charity_number, key)
        return entry

    def candidate_keys(self, forms: NameForms) -> list[Hashable]:
        blocks = sorted(
            (self.postings[k] for k in block_keys(forms) if k in self.postings), key=len
        )
        small = [b for b in blocks if len(b) <= MAX_BLOCK]
        chosen = small or blocks[:1]
        keys: set[Hashable] = set().union(*chosen) if chosen else set()
        if len(keys) <= RERANK_LIMIT:
            return list(keys)
        # Too many: keep those whose names rapidfuzz ranks best against this name.
        ordered = list(keys)
        choices = [self.entries[k].text for k in ordered]
        ranked = process.extract(
            " ".join(forms.names[:3]), choices, scorer=fuzz.token_set_ratio, limit=RERANK_LIMIT
        )
        return [ordered[index] for _, _, index in ranked]

    def place(self, party: Party) -> Outcome:
        """Decide where a record goes, without changing the index."""
        if party.company_number and party.company_number in self.by_company:
            return Outcome(self.by_company[party.company_number], "company_number", 100.0)
        if party.charity_number and party.charity_number in self.by_charity:
            key = self.by_charity[party.charity_number]
            number = self.entries[key].company_number
            if not (party.company_number and number and number != party.company_number):
                return Outcome(key, "charity_number", 100.0)
        matches: list[Match] = []
        for key in self.candidate_keys(party.forms):
            self.scored += 1
            result = compare(party, self.entries[key].party, self.thresholds)
            if result.decision is not Decision.DIFFERENT:
                matches.append(Match(key, result.score, result.decision))
        matches.sort(key=lambda m: (-m.score, str(m.key)))
        high = [m for m in matches if m.decision is Decision.SAME]
        if high and (len(high) == 1 or high[0].score - high[1].score >= AMBIGUITY_MARGIN):
            best = high[0]
            how = "name_exact" if best.score >= 100.0 else "name_fuzzy"
            return Outcome(best.key, how, best.score)
        if high:
            return Outcome(
                None,
                "new",
                None,
                high[:3],
                "Two or more organisations match this name equally well.",
            )
        if matches:
            return Outcome(None, "new", None, matches[:3], "The names are similar, not the same.")
        return Outcome(None, "new")
