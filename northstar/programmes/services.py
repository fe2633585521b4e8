"""Programmes: default data, who may do what, monitoring returns (template, upload, verification),
the dashboards' figures, and editing programmes, strands, managers and targets (with the audit
trail). Views, API, admin and commands call these."""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.text import slugify

from northstar.core.errors import FileRejected, RowError, UserInputError
from northstar.organisations.models import Organisation, SizeClass
from northstar.organisations.services import RecordIn, link_records

from . import calculations as calc
from .forms import (
    ManagerForm,
    ProgrammeForm,
    StrandForm,
    TargetsForm,
    funder_formset,
    funders_in,
)
from .models import (
    Beneficiary,
    Claim,
    ClaimStatus,
    FunderContribution,
    MonitoringReturn,
    OutputDefinition,
    OutputTarget,
    Programme,
    ProgrammeManager,
    ProgrammeStatus,
    ReturnStatus,
    Strand,
)

DEFAULT_DATA = Path(__file__).resolve().parent / "default_data"
LINK_DATASET = "programmes"
TEMPLATE_COLUMNS = [
    ("beneficiary_name", "Beneficiary name", "The organisation's registered name"),
    ("company_number", "Company number", "Companies House number, if it has one"),
    ("postcode", "Postcode", "Where the support was delivered to, e.g. L3 5TF"),
    ("size", "Size", "micro, small, medium, large, academic, public_other or unknown"),
    ("sector", "Sector", "Free text, e.g. Life sciences"),
    ("output_code", "Output code", "One of the codes on the Outputs sheet"),
    ("quantity", "Quantity", "Businesses: 1; jobs in FTE (e.g. 1.5); money in £"),
    ("evidence_reference", "Evidence reference", "Where the evidence is kept (file reference)"),
]


# --- Default data ---


def _org(name: str) -> Organisation:
    ids = link_records(LINK_DATASET, [RecordIn(source_key=f"name:{name.lower()}", name=name)])
    return Organisation.objects.get(pk=ids[f"name:{name.lower()}"])


def _dec(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def load_outputs() -> int:
    outputs = json.loads((DEFAULT_DATA / "outputs.json").read_text(encoding="utf-8"))
    for item in outputs:
        OutputDefinition.objects.update_or_create(
            code=item["code"],
            defaults={k: item[k] for k in item if k != "code"},
        )
    return len(outputs)


def load_default_programmes(today: date | None = None) -> Iterator[str]:
    """The standard outputs, and the named programmes with their published figures. Idempotent:
    a programme already present (by slug) is left as the officers have it."""
    from northstar.assets.models import Theme

    today = today or timezone.localdate()
    yield f"Programme outputs: {load_outputs()} standard output definitions."
    data = json.loads((DEFAULT_DATA / "programmes.json").read_text(encoding="utf-8"))
    outputs = {o.code: o for o in OutputDefinition.objects.all()}
    created = 0
    for item in data["programmes"]:
        if Programme.objects.filter(slug=item["slug"]).exists():
            continue
        with transaction.atomic():
            end = date.fromisoformat(item["end_date"]) if item.get("end_date") else None
            programme = Programme(
                name=item["name"],
                short_name=item.get("short_name", ""),
                slug=item["slug"],
                summary=item.get("summary", ""),
                lead_organisation=_org(item["lead"]) if item.get("lead") else None,
                budget=_dec(item.get("budget")),
                spend=_dec(item.get("spend")),
                start_date=date.fromisoformat(item["start_date"])
                if item.get("start_date")
                else None,
                end_date=end,
                theme=Theme.objects.filter(code=item.get("theme") or "-").first(),
                status=ProgrammeStatus.CLOSED if end and end < today else ProgrammeStatus.LIVE,
                source=data["source"],
            )
            programme._change_reason = "Loaded from the published figures"
            programme.save()
            for funder in item.get("funders", []):
                FunderContribution.objects.create(
                    programme=programme,
                    funder_name=funder["name"],
                    funder=_org(funder["name"]),
                    amount=_dec(funder.get("amount")),
                    is_match_funding=funder.get("match", False),
                )
            strands = {}
            for strand in item.get("strands", []):
                strands[strand["slug"]] = Strand.objects.create(
                    programme=programme,
                    slug=strand["slug"],
                    name=strand["name"],
                    description=strand.get("description", ""),
                    budget=_dec(strand.get("budget")),
                )
            for target in item.get("targets", []):
                OutputTarget.objects.create(
                    programme=programme,
                    strand=strands.get(target.get("strand", "")),
                    output=outputs[target["output"]],
                    quantity=Decimal(target["quantity"]),
                    note=target.get("note", ""),
                )
            for actual in item.get("actuals", []):
                Claim.objects.create(
                    programme=programme,
                    output=outputs[actual["output"]],
                    quantity=Decimal(actual["quantity"]),
                    evidence_reference=actual["evidence"],
                    status=ClaimStatus.VERIFIED,
                    verified_at=timezone.now(),
                )
            created += 1
    yield f"Programmes: {created} default programmes added ({Programme.objects.count()} in all)."


# --- Who may do what (object-level) ---


def manages(user, programme: Programme) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and ProgrammeManager.objects.filter(user=user, programme=programme).exists()
    )


def can_view_returns(user, programme: Programme) -> bool:
    return user.has_perm("programmes.view_all_returns") or manages(user, programme)


def can_submit(user, programme: Programme) -> bool:
    if user.has_perm("programmes.submit_any_return"):
        return True
    return user.has_perm("programmes.add_monitoringreturn") and manages(user, programme)


def can_verify(user) -> bool:
    return user.has_perm("programmes.verify_claim")


def visible_programmes(user):
    """The public see published programmes; anyone who may see the portfolio, or manages a
    programme, sees those too."""
    qs = Programme.objects.select_related("lead_organisation", "theme")
    if user.has_perm("programmes.view_portfolio"):
        return qs
    if getattr(user, "is_authenticated", False):
        return qs.filter(Q(published=True) | Q(managers__user=user)).distinct()
    return qs.filter(published=True)


def returns_for(user, programme: Programme):
    if not can_view_returns(user, programme):
        raise PermissionError
    return programme.returns.select_related("submitted_by").annotate(
        n_claims=Count("claims"),
        n_verified=Count("claims", filter=Q(claims__status=ClaimStatus.VERIFIED)),
        n_rejected=Count("claims", filter=Q(claims__status=ClaimStatus.REJECTED)),
    )


# --- The return template ---


def return_template(programme: Programme) -> bytes:
    """An xlsx workbook: a Claims sheet with the columns to fill (one row per claim), and an
    Outputs sheet listing the output codes and the evidence each needs."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "Claims"
    sheet.append([key for key, _, _ in TEMPLATE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 24
    codes = list(OutputDefinition.objects.values_list("code", flat=True))
    outputs = book.create_sheet("Outputs")
    outputs.append(["output_code", "name", "unit", "evidence_requirement"])
    for o in OutputDefinition.objects.all():
        outputs.append([o.code, o.name, o.unit, o.evidence_requirement])
    notes = book.create_sheet("Guidance")
    notes.append([f"Monitoring return for {programme.name}"])
    notes.append(["One row per claim on the Claims sheet; keep the header row as it is."])
    for key, label, help_text in TEMPLATE_COLUMNS:
        notes.append([key, label, help_text])
    check = DataValidation(type="list", formula1=f"=Outputs!$A$2:$A${len(codes) + 1}")
    sheet.add_data_validation(check)
    check.add("F2:F1000")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Reading and submitting a return ---


@dataclass
class ClaimRow:
    line: int
    name: str
    company_number: str
    postcode: str
    size: str
    sector: str
    output: OutputDefinition
    quantity: Decimal
    evidence: str
    place: object = None
    key: str = field(init=False)

    def __post_init__(self):
        self.key = (
            f"co:{self.company_number}" if self.company_number else f"name:{self.name.lower()}"
        )


SIZE_VALUES = {c.value: c.value for c in SizeClass} | {c.label.lower(): c.value for c in SizeClass}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_return(file_name: str, content: bytes) -> list[ClaimRow]:
    """Every row checked; FileRejected listing each bad row (line, column, reason) if any is bad."""
    from openpyxl import load_workbook

    from northstar.places.services import locate_postcode, normalise_postcode

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise UserInputError(
            f"{file_name} could not be read as an Excel workbook (.xlsx): {exc.__class__.__name__}."
        ) from None
    sheet = book["Claims"] if "Claims" in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(h).lower() for h in next(rows, [])]
    missing = [key for key, _, _ in TEMPLATE_COLUMNS if key not in header]
    if missing:
        raise UserInputError(
            f"{file_name} is not a monitoring return: the Claims sheet has no column "
            f"{', '.join(missing)}. Download the template and fill it in."
        )
    at = {key: header.index(key) for key, _, _ in TEMPLATE_COLUMNS}
    outputs = {o.code: o for o in OutputDefinition.objects.all()}
    errors: list[RowError] = []
    claims: list[ClaimRow] = []
    for line, raw in enumerate(rows, start=2):
        cells = {key: _text(raw[i]) if i < len(raw) else "" for key, i in at.items()}
        if not any(cells.values()):
            continue
        problems: list[RowError] = []

        def bad(column: str, reason: str, line=line, problems=problems) -> None:
            problems.append(RowError(line, reason, column))

        if not cells["beneficiary_name"]:
            bad("beneficiary_name", "the beneficiary's name is missing")
        number = cells["company_number"].upper().replace(" ", "")
        if number:
            if number.isdigit() and len(number) < 8:
                number = number.zfill(8)
            if len(number) != 8 or not number.isalnum() or not number.isascii():
                bad("company_number", f"'{cells['company_number']}' is not a company number")
        postcode = ""
        if cells["postcode"]:
            postcode = normalise_postcode(cells["postcode"]) or ""
            if not postcode:
                bad("postcode", f"'{cells['postcode']}' is not a postcode")
        size = SIZE_VALUES.get(cells["size"].lower() or "unknown")
        if size is None:
            bad(
                "size", f"'{cells['size']}' is not a size; use one of {', '.join(SizeClass.values)}"
            )
        output = outputs.get(cells["output_code"].lower())
        if output is None:
            bad(
                "output_code",
                f"'{cells['output_code']}' is not an output code"
                if cells["output_code"]
                else "the output code is missing",
            )
        quantity = None
        try:
            quantity = Decimal(cells["quantity"].replace(",", "").lstrip("£"))
            if not quantity.is_finite() or quantity <= 0:
                raise InvalidOperation
        except InvalidOperation:
            bad("quantity", f"'{cells['quantity']}' is not a positive number")
            quantity = None
        if quantity is not None and output is not None:
            if output.kind == "count" and quantity != quantity.to_integral_value():
                bad("quantity", f"{output.name} is a count: {quantity} is not a whole number")
            elif output.counts_businesses and quantity != 1:
                bad("quantity", "a business is claimed once per row: the quantity must be 1")
            elif quantity.as_tuple().exponent < -2:
                bad("quantity", f"{quantity} has more than two decimal places")
        if not cells["evidence_reference"]:
            bad("evidence_reference", "the evidence reference is missing")
        if problems:
            errors.extend(problems)
            continue
        location = locate_postcode(postcode) if postcode else None
        claims.append(
            ClaimRow(
                line=line,
                name=cells["beneficiary_name"],
                company_number=number,
                postcode=postcode,
                size=size,
                sector=cells["sector"],
                output=output,
                quantity=quantity,
                evidence=cells["evidence_reference"],
                place=location.lad if location else None,
            )
        )
    if errors:
        raise FileRejected(file_name, errors)
    if not claims:
        raise UserInputError(f"{file_name} has no claims: fill in at least one row.")
    return claims


def submit_return(
    programme: Programme, user, quarter: date, file_name: str, content: bytes
) -> MonitoringReturn:
    """Check every row, then write the return, its beneficiaries and claims (status claimed) in
    one transaction; nothing is written if any row is bad."""
    if not can_submit(user, programme):
        raise PermissionError
    quarter = calc.quarter_start(quarter)
    rows = read_return(file_name, content)
    sha = hashlib.sha256(content).hexdigest()
    if programme.returns.filter(sha256=sha, quarter=quarter).exists():
        raise UserInputError(
            f"{file_name} was already submitted for {calc.quarter_label(quarter)}."
        )
    with transaction.atomic():
        ids = link_records(
            LINK_DATASET,
            [
                RecordIn(
                    source_key=r.key,
                    name=r.name,
                    company_number=r.company_number,
                    postcode=r.postcode,
                )
                for r in rows
            ],
        )
        record = MonitoringReturn.objects.create(
            programme=programme,
            quarter=quarter,
            status=ReturnStatus.SUBMITTED,
            submitted_by=user,
            file_name=file_name[:255],
            sha256=sha,
            content=content,
        )
        for r in rows:
            beneficiary, _ = Beneficiary.objects.get_or_create(
                programme=programme, organisation_id=ids[r.key]
            )
            changed = {
                k: v
                for k, v in {
                    "postcode": r.postcode,
                    "place": r.place,
                    "sector": r.sector,
                    "size_class": r.size if r.size != SizeClass.UNKNOWN else None,
                }.items()
                if v
            }
            if changed:
                for k, v in changed.items():
                    setattr(beneficiary, k, v)
                beneficiary.save()
            Claim.objects.create(
                programme=programme,
                monitoring_return=record,
                line=r.line,
                beneficiary=beneficiary,
                output=r.output,
                quarter=quarter,
                quantity=r.quantity,
                evidence_reference=r.evidence,
            )
    return record


def decide_claim(claim: Claim, user, *, verify: bool, reason: str = "") -> Claim:
    """An officer verifies a claim, or rejects it with a reason. A return whose every claim is
    decided becomes verified."""
    if not can_verify(user):
        raise PermissionError
    reason = reason.strip()
    if not verify and not reason:
        raise UserInputError("Give the reason for rejecting the claim.", details=["reason"])
    with transaction.atomic():
        claim.status = ClaimStatus.VERIFIED if verify else ClaimStatus.REJECTED
        claim.rejection_reason = "" if verify else reason[:500]
        claim.verified_by = user
        claim.verified_at = timezone.now()
        claim.save()
        record = claim.monitoring_return
        if record and not record.claims.filter(status=ClaimStatus.CLAIMED).exists():
            record.status = ReturnStatus.VERIFIED
            record.save(update_fields=["status"])
    return claim


# --- Figures for the dashboards (verified claims only) ---


def verified(queryset=None):
    return (queryset if queryset is not None else Claim.objects).filter(status=ClaimStatus.VERIFIED)


@dataclass
class OutputRow:
    output: OutputDefinition
    target: Decimal | None
    actual: Decimal
    pending: Decimal
    cost_per_output: Decimal | None
    percent: Decimal | None
    series: list[calc.QuarterPoint]


@dataclass
class ProgrammeFigures:
    programme: Programme
    outputs: list[OutputRow]
    unique_businesses: int  # named beneficiaries, each counted once
    aggregate_businesses: Decimal  # published counts without named beneficiaries
    spend_percent: Decimal | None
    funders_total: Decimal | None


def programme_figures(programme: Programme) -> ProgrammeFigures:
    claims = list(programme.claims.select_related("output", "beneficiary"))
    targets = list(programme.targets.select_related("output"))
    outputs = {o.pk: o for o in OutputDefinition.objects.all()}
    used = {c.output_id for c in claims} | {t.output_id for t in targets}
    rows = []
    for output_id in sorted(used, key=lambda pk: (outputs[pk].order, outputs[pk].code)):
        output = outputs[output_id]
        whole = [t.quantity for t in targets if t.output_id == output_id and t.quarter is None]
        profile: dict[date, Decimal] = defaultdict(Decimal)
        for t in targets:
            if t.output_id == output_id and t.quarter is not None:
                profile[t.quarter] += t.quantity
        target = sum(whole, Decimal(0)) if whole else (sum(profile.values()) if profile else None)
        mine = [c for c in claims if c.output_id == output_id]
        done = [c for c in mine if c.status == ClaimStatus.VERIFIED]
        actual = sum((c.quantity for c in done), Decimal(0))
        by_quarter: dict[date, Decimal] = defaultdict(Decimal)
        for c in done:
            if c.quarter is not None:
                by_quarter[c.quarter] += c.quantity
        rows.append(
            OutputRow(
                output=output,
                target=target,
                actual=actual,
                pending=sum(
                    (c.quantity for c in mine if c.status == ClaimStatus.CLAIMED), Decimal(0)
                ),
                cost_per_output=calc.cost_per_output(programme.spend, actual)
                if output.kind != "money"
                else None,
                percent=calc.percentage(actual, target),
                series=calc.cumulative_by_quarter(dict(profile), dict(by_quarter)),
            )
        )
    business = [
        c
        for c in claims
        if c.status == ClaimStatus.VERIFIED and outputs[c.output_id].counts_businesses
    ]
    amounts = [f.amount for f in programme.funders.all() if f.amount is not None]
    return ProgrammeFigures(
        programme=programme,
        outputs=rows,
        unique_businesses=calc.unique_count(
            c.beneficiary.organisation_id if c.beneficiary else None for c in business
        ),
        aggregate_businesses=sum(
            (c.quantity for c in business if c.beneficiary_id is None), Decimal(0)
        ),
        spend_percent=calc.percentage(programme.spend, programme.budget),
        funders_total=sum(amounts, Decimal(0)) if amounts else None,
    )


def _business_claims(programmes=None):
    qs = verified().filter(output__counts_businesses=True)
    if programmes is not None:
        qs = qs.filter(programme__in=programmes)
    return qs


@dataclass
class PortfolioFigures:
    programmes: int
    budget: Decimal
    spend: Decimal
    totals: list[tuple[OutputDefinition, Decimal]]
    unique_businesses: int
    programme_business_sum: int  # the sum of each programme's own unique businesses
    aggregate_businesses: Decimal
    by_borough: list[tuple[str, int]]
    by_theme: list[tuple[str, int]]
    by_size: list[tuple[str, int]]


def portfolio_figures(programmes=None) -> PortfolioFigures:
    programmes = programmes if programmes is not None else Programme.objects.all()
    programmes = list(programmes)
    totals_qs = (
        verified().filter(programme__in=programmes).values("output").annotate(total=Sum("quantity"))
    )
    outputs = {o.pk: o for o in OutputDefinition.objects.all()}
    totals = sorted(
        ((outputs[t["output"]], t["total"]) for t in totals_qs),
        key=lambda pair: (pair[0].order, pair[0].code),
    )
    named = list(
        _business_claims(programmes)
        .filter(beneficiary__isnull=False)
        .values_list(
            "programme_id",
            "beneficiary__organisation_id",
            "beneficiary__place__name",
            "programme__theme__name",
            "beneficiary__size_class",
        )
    )
    per_programme = {(p, org) for p, org, *_ in named}

    def by(index: int, label=lambda v: v or "Unknown") -> list[tuple[str, int]]:
        groups: dict[str, set] = defaultdict(set)
        for row in named:
            groups[label(row[index])].add(row[1])
        return sorted(((k, len(v)) for k, v in groups.items()), key=lambda kv: (-kv[1], kv[0]))

    sizes = dict(SizeClass.choices)
    return PortfolioFigures(
        programmes=len(programmes),
        budget=sum((p.budget for p in programmes if p.budget is not None), Decimal(0)),
        spend=sum((p.spend for p in programmes if p.spend is not None), Decimal(0)),
        totals=totals,
        unique_businesses=calc.unique_count(org for _, org, *_ in named),
        programme_business_sum=len(per_programme),
        aggregate_businesses=_business_claims(programmes)
        .filter(beneficiary__isnull=True)
        .aggregate(total=Sum("quantity"))["total"]
        or Decimal(0),
        by_borough=by(2, lambda v: v or "Not placed"),
        by_theme=by(3, lambda v: v or "No theme"),
        by_size=by(4, lambda v: sizes.get(v, "Unknown")),
    )


# Shades of one blue for the map's bands (light to dark); zero is the light grey first.
BAND_COLOURS = ["#f3f2f1", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]


@dataclass
class BoroughCount:
    code: str
    name: str
    count: int
    band: int
    colour: str
    centre: list[float] | None  # [latitude, longitude]
    geometry: dict | None  # the boundary as GeoJSON, when loaded


@dataclass
class BeneficiaryMap:
    boroughs: list[BoroughCount]
    elsewhere: int  # unique businesses outside the region's boroughs or not placed
    bands: list[tuple[int, int, str]]  # (low, high, colour) for the legend
    zero_colour: str
    centre: list[float]


def beneficiary_map(programmes=None) -> BeneficiaryMap:
    """Unique businesses with a verified claim, by borough of the default place (every borough,
    zeros included): counts only, never who they are."""
    from northstar.places.models import Place
    from northstar.places.services import default_place

    region = default_place()
    rows = (
        _business_claims(programmes)
        .filter(beneficiary__isnull=False)
        .values_list("beneficiary__place_id", "beneficiary__organisation_id")
    )
    by_place: dict[int | None, set] = defaultdict(set)
    for place_id, org in rows:
        by_place[place_id].add(org)
    boroughs = list(Place.objects.boroughs_of(region)) if region is not None else []
    counts = {b.pk: calc.unique_count(by_place.get(b.pk, ())) for b in boroughs}
    ranges = calc.count_bands(max(counts.values(), default=0))
    inside = {org for b in boroughs for org in by_place.get(b.pk, ())}
    outside = {org for pk, orgs in by_place.items() for org in orgs if pk not in counts}

    def point(lat, lon):
        return [float(lat), float(lon)] if lat is not None and lon is not None else None

    # The top band is always the darkest shade, however few bands there are.
    shift = len(BAND_COLOURS) - 1 - len(ranges)

    def colour(band: int) -> str:
        return BAND_COLOURS[band + shift] if band else BAND_COLOURS[0]

    result = []
    for b in boroughs:
        band = calc.band_of(counts[b.pk], ranges)
        result.append(
            BoroughCount(
                code=b.code,
                name=b.name,
                count=counts[b.pk],
                band=band,
                colour=colour(band),
                centre=point(b.centroid_latitude, b.centroid_longitude),
                geometry=json.loads(b.boundary_geojson) if b.boundary_geojson else None,
            )
        )
    return BeneficiaryMap(
        boroughs=result,
        elsewhere=len(outside - inside),
        bands=[(low, high, colour(i)) for i, (low, high) in enumerate(ranges, start=1)],
        zero_colour=BAND_COLOURS[0],
        centre=(region and point(region.centroid_latitude, region.centroid_longitude))
        or [54.0, -2.5],
    )


@dataclass
class DuplicateClaim:
    organisation: str
    output: str
    quarter: str
    claims: list[Claim]


def duplicate_claims(programme: Programme | None = None) -> list[DuplicateClaim]:
    """The same beneficiary organisation claimed for the same output and quarter more than once
    (in one return, across returns, or across programmes); rejected claims are left out."""
    qs = (
        Claim.objects.exclude(status=ClaimStatus.REJECTED)
        .filter(beneficiary__isnull=False)
        .select_related("beneficiary__organisation", "output", "programme", "monitoring_return")
    )
    claims = {c.pk: c for c in qs}
    found = calc.duplicates(
        ((c.beneficiary.organisation_id, c.output_id, c.quarter), c.pk) for c in claims.values()
    )
    out = []
    for ids in found.values():
        group = [claims[i] for i in ids]
        if programme is not None and all(c.programme_id != programme.pk for c in group):
            continue
        first = group[0]
        out.append(
            DuplicateClaim(
                organisation=first.beneficiary.organisation.name,
                output=first.output.name,
                quarter=calc.quarter_label(first.quarter) if first.quarter else "No quarter",
                claims=group,
            )
        )
    return sorted(out, key=lambda d: (d.organisation, d.output, d.quarter))


def shared_beneficiaries() -> list[tuple[Organisation, list[str]]]:
    """Organisations that are beneficiaries of more than one programme."""
    groups: dict[int, list[str]] = defaultdict(list)
    for org_id, name in Beneficiary.objects.values_list("organisation_id", "programme__name"):
        groups[org_id].append(name)
    shared = {k: v for k, v in groups.items() if len(v) > 1}
    orgs = Organisation.objects.in_bulk(list(shared))
    return sorted(((orgs[k], sorted(v)) for k, v in shared.items()), key=lambda p: p[0].name)


def get_programme(user, slug: str) -> Programme:
    programme = visible_programmes(user).filter(slug=slug).first()
    if programme is None:
        raise Programme.DoesNotExist(slug)
    return programme


def slug_for(name: str) -> str:
    return slugify(name)[:80]


# --- Editing programmes: officers (details, strands, managers); targets also their managers ---
#
# One function per operation. Each checks the permission, validates through the form class of
# forms.py (nothing is written unless every field is valid), writes in one transaction with the
# user and reason in the history of every row it touches, and adds one record naming the
# operation to the programme's own history (its audit trail, shown on the programme's page).


class ChangeRefused(UserInputError):
    """A change whose form failed validation; nothing was saved. `forms` are the bound forms and
    formsets, errors and all, for the page to show again; `errors` maps field → messages."""

    def __init__(self, what: str, *forms):
        self.forms = [f for f in forms if f is not None]
        self.errors: dict[str, list[str]] = {}
        for form in self.forms:
            for inner in getattr(form, "forms", [form]):
                for name, messages in inner.errors.items():
                    key = inner.add_prefix(name) if name != "__all__" else name
                    self.errors.setdefault(key, []).extend(messages)
            for message in getattr(form, "non_form_errors", list)():
                self.errors.setdefault("__all__", []).append(message)
        super().__init__(
            f"{what} {'were' if what.endswith('s') else 'was'} not saved. Nothing was changed.",
            details=[
                f"{k}: {m}" if k != "__all__" else m for k, ms in self.errors.items() for m in ms
            ],
        )


def can_create_programmes(user) -> bool:
    return user.has_perm("programmes.add_programme")


def can_edit_programmes(user) -> bool:
    return user.has_perm("programmes.change_programme")


def can_edit_strands(user) -> bool:
    return all(user.has_perm(f"programmes.{p}_strand") for p in ("add", "change", "delete"))


def can_assign_managers(user) -> bool:
    return user.has_perm("programmes.add_programmemanager") and user.has_perm(
        "programmes.delete_programmemanager"
    )


def can_set_targets(user, programme: Programme) -> bool:
    """Officers set any programme's targets; a programme manager only their own programme's."""
    if user.has_perm("programmes.set_any_targets"):
        return True
    return user.has_perm("programmes.change_outputtarget") and manages(user, programme)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _audited(obj, user, reason: str):
    """Mark a row about to be saved or deleted with who and why, for its history."""
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    obj._change_reason = reason[:100]
    return obj


def _log(programme: Programme, user, reason: str) -> None:
    """One record in the programme's history naming the operation (its audit trail)."""
    _audited(programme, user, reason).save()


def _fresh(programme: Programme) -> Programme:
    """The programme as stored, locked until the transaction ends: a form validating against the
    caller's instance would change it in memory even when nothing is saved."""
    return Programme.objects.select_for_update().get(pk=programme.pk)


def _organisations(names: list[str]) -> dict[str, Organisation]:
    """Organisations for names typed by an officer, linked as the default data links them."""
    keys = {name.lower(): name for name in names if name}
    if not keys:
        return {}
    ids = link_records(
        LINK_DATASET, [RecordIn(source_key=f"name:{k}", name=n) for k, n in keys.items()]
    )
    by_id = Organisation.objects.in_bulk(list(ids.values()))
    return {k: by_id[ids[f"name:{k}"]] for k in keys}


def _set_lead(programme: Programme, name: str) -> None:
    current = programme.lead_organisation
    if not name:
        programme.lead_organisation = None
    elif current is None or current.name.casefold() != name.casefold():
        programme.lead_organisation = _organisations([name])[name.lower()]


def _save_funders(funders, programme: Programme, user, reason: str) -> int:
    """Write a validated funders formset; returns how many rows changed."""
    funders.instance = programme
    changed = funders.save(commit=False)
    for removed in funders.deleted_objects:
        _audited(removed, user, reason).delete()
    names = [f.funder_name for f in changed if f.funder_id is None or _renamed(f)]
    orgs = _organisations(names)
    for contribution in changed:
        if contribution.funder_name.lower() in orgs:
            contribution.funder = orgs[contribution.funder_name.lower()]
        contribution.programme = programme
        _audited(contribution, user, reason).save()
    return len(changed) + len(funders.deleted_objects)


def _renamed(contribution: FunderContribution) -> bool:
    return bool(
        contribution.pk
        and contribution.funder
        and contribution.funder.name.casefold() != contribution.funder_name.casefold()
    )


def create_programme(data, user) -> Programme:
    """A new programme from the details form (and its funders table, if given)."""
    _require(can_create_programmes(user), "Only officers may add programmes.")
    form = ProgrammeForm(data)
    funders = funder_formset(data, instance=form.instance) if funders_in(data) else None
    valid = form.is_valid()
    if funders is not None:
        valid = funders.is_valid() and valid
    if not valid:
        raise ChangeRefused("The programme", form, funders)
    with transaction.atomic():
        programme = form.save(commit=False)
        _set_lead(programme, form.cleaned_data["lead"])
        _audited(programme, user, "Created").save()
        if funders is not None:
            _save_funders(funders, programme, user, "Created")
    return programme


def update_programme(programme: Programme, data, user) -> Programme:
    """A programme's details (and its funders table, if given). Nothing changed, nothing saved."""
    _require(can_edit_programmes(user), "Only officers may change a programme's details.")
    with transaction.atomic():
        programme = _fresh(programme)
        form = ProgrammeForm(data, instance=programme)
        funders = funder_formset(data, instance=programme) if funders_in(data) else None
        valid = form.is_valid()
        if funders is not None:
            valid = funders.is_valid() and valid
        if not valid:
            raise ChangeRefused("The programme", form, funders)
        funders_changed = funders is not None and funders.has_changed()
        if not form.has_changed() and not funders_changed:
            return programme
        reason = " and ".join(
            part
            for part, did in (("Details", form.has_changed()), ("funders", funders_changed))
            if did
        )
        programme = form.save(commit=False)
        _set_lead(programme, form.cleaned_data["lead"])
        _audited(programme, user, f"{reason.capitalize()} changed").save()
        if funders_changed:
            _save_funders(funders, programme, user, "Funders changed")
    return programme


def add_strand(programme: Programme, data, user) -> Strand:
    _require(can_edit_strands(user), "Only officers may change a programme's strands.")
    with transaction.atomic():
        programme = _fresh(programme)
        form = StrandForm(data, programme=programme)
        if not form.is_valid():
            raise ChangeRefused("The strand", form)
        strand = form.save(commit=False)
        _audited(strand, user, "Added").save()
        _log(programme, user, f"Strand “{strand.name}” added")
    return strand


def update_strand(strand: Strand, data, user) -> Strand:
    _require(can_edit_strands(user), "Only officers may change a programme's strands.")
    with transaction.atomic():
        programme = _fresh(strand.programme)
        strand = Strand.objects.get(pk=strand.pk)
        form = StrandForm(data, instance=strand, programme=programme)
        if not form.is_valid():
            raise ChangeRefused("The strand", form)
        if not form.has_changed():
            return strand
        strand = form.save(commit=False)
        _audited(strand, user, "Changed").save()
        _log(programme, user, f"Strand “{strand.name}” changed")
    return strand


def remove_strand(strand: Strand, user) -> int:
    """Remove a strand and its targets (the confirmation page says how many); returns that."""
    _require(can_edit_strands(user), "Only officers may change a programme's strands.")
    with transaction.atomic():
        programme = _fresh(strand.programme)
        strand = Strand.objects.get(pk=strand.pk)
        targets = list(strand.targets.all())
        for target in targets:
            _audited(target, user, f"Strand “{strand.name}” removed").delete()
        name = strand.name
        _audited(strand, user, "Removed").delete()
        with_targets = f" with its {len(targets)} target{'s' if len(targets) != 1 else ''}"
        _log(programme, user, f"Strand “{name}” removed{with_targets if targets else ''}")
    return len(targets)


def assign_manager(programme: Programme, data, user) -> ProgrammeManager:
    _require(can_assign_managers(user), "Only officers may assign programme managers.")
    with transaction.atomic():
        programme = _fresh(programme)
        form = ManagerForm(data, programme=programme)
        if not form.is_valid():
            raise ChangeRefused("The programme manager", form)
        manager = form.cleaned_data["user"]
        assignment = _audited(ProgrammeManager(user=manager, programme=programme), user, "Added")
        assignment.save()
        _log(programme, user, f"{manager.get_username()} made a programme manager")
    return assignment


def remove_manager(assignment: ProgrammeManager, user) -> None:
    _require(can_assign_managers(user), "Only officers may assign programme managers.")
    with transaction.atomic():
        programme = _fresh(assignment.programme)
        name = assignment.user.get_username()
        _audited(assignment, user, "Removed").delete()
        _log(programme, user, f"{name} no longer a programme manager")


@dataclass
class TargetsSaved:
    changed: int  # target rows added, changed or removed
    warnings: list[str]


def set_targets(programme: Programme, data, user, *, strand: Strand | None = None) -> TargetsSaved:
    """The whole-life target and quarterly profile of each output in the targets form, for the
    programme as a whole or one strand: a filled box is a target, an empty one none. Outputs not
    in the form keep their targets. Quarterly sums that differ from the whole-life target are
    warnings (the dashboards then use the whole-life target), not errors."""
    _require(
        can_set_targets(user, programme),
        "Only officers and this programme's managers may set its targets.",
    )
    if strand is not None and strand.programme_id != programme.pk:
        raise ValueError(f"{strand} is not a strand of {programme}")
    with transaction.atomic():
        programme = _fresh(programme)
        form = TargetsForm(data, programme=programme, strand=strand)
        if not form.is_valid():
            raise ChangeRefused("The targets", form)
        wanted = form.wanted()
        shown = {o.pk for o in form.outputs}
        current: dict[tuple[int, date | None], list[OutputTarget]] = defaultdict(list)
        for target in form.existing:
            if target.output_id in shown:
                current[(target.output_id, target.quarter)].append(target)
        scope = f"strand “{strand.name}”" if strand else "whole programme"
        reason = f"Targets set ({scope})"
        changed = 0
        for key, (target, *duplicates) in current.items():
            for extra in duplicates:
                _audited(extra, user, reason).delete()
                changed += 1
            if key not in wanted:
                _audited(target, user, reason).delete()
                changed += 1
                continue
            quantity, note = wanted[key]
            if target.quantity != quantity or target.note != note:
                target.quantity, target.note = quantity, note
                _audited(target, user, reason).save()
                changed += 1
        for (output_id, quarter), (quantity, note) in wanted.items():
            if (output_id, quarter) not in current:
                _audited(
                    OutputTarget(
                        programme=programme,
                        strand=strand,
                        output_id=output_id,
                        quarter=quarter,
                        quantity=quantity,
                        note=note,
                    ),
                    user,
                    reason,
                ).save()
                changed += 1
        if changed:
            _log(programme, user, f"{reason}: {changed} changed")
    return TargetsSaved(changed=changed, warnings=target_warnings(programme, strand))


def target_warnings(programme: Programme, strand: Strand | None = None) -> list[str]:
    """What may be a mistake in a programme's (or strand's) targets without being wrong: quarters
    that do not add up to the whole-life target, and (for the programme as a whole) whole-life
    targets that the dashboards will add to the strands' own."""
    targets = list(programme.targets.select_related("output", "strand"))
    mine = [t for t in targets if t.strand_id == (strand.pk if strand else None)]
    outputs = sorted({t.output for t in mine}, key=lambda o: (o.order, o.code))
    warnings = []
    for output in outputs:
        whole = [t.quantity for t in mine if t.output_id == output.pk and t.quarter is None]
        quarters = [t.quantity for t in mine if t.output_id == output.pk and t.quarter]
        difference = calc.profile_difference(sum(whole, Decimal(0)) if whole else None, quarters)
        if difference:
            total = sum(whole, Decimal(0))
            warnings.append(
                f"{output.name}: the quarters add up to {_number(total + difference)}, "
                f"the whole-life target is {_number(total)} "
                f"({_number(abs(difference))} {'over' if difference > 0 else 'short'})."
            )
        if strand is None and whole:
            strands = [
                t.quantity
                for t in targets
                if t.strand_id and t.output_id == output.pk and t.quarter is None
            ]
            if strands:
                warnings.append(
                    f"{output.name}: the strands have whole-life targets too "
                    f"({_number(sum(strands, Decimal(0)))} in all); the programme’s target "
                    "counts them and this one together."
                )
    return warnings


def _number(value: Decimal) -> str:
    return f"{value.normalize():,f}"


# --- The audit trail ---


@dataclass
class ChangeEntry:
    when: object  # datetime
    who: str
    what: str
    changes: list[tuple[str, str, str]]  # (field, before, after) of the programme's details


def programme_history(programme: Programme, limit: int = 20) -> list[ChangeEntry]:
    """The programme's audit trail, newest first: each operation, by whom, when, and the
    details it changed (strands', targets', funders' and managers' rows keep their own)."""
    from northstar.assets.models import Theme

    records = list(
        programme.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    related = {"lead_organisation": Organisation, "theme": Theme}
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(entries) == limit:
            break
        changes = []
        if older is not None:
            for change in newer.diff_against(older).changes:
                model = related.get(change.field)
                label = Programme._meta.get_field(change.field).verbose_name

                def show(value, model=model):
                    if value in (None, ""):
                        return ""
                    if model is None:
                        return str(value)
                    found = model.objects.filter(pk=value).first()
                    return str(found) if found else f"#{value} (deleted)"

                changes.append((label, show(change.old), show(change.new)))
        entries.append(
            ChangeEntry(
                when=newer.history_date,
                who=newer.history_user.get_username() if newer.history_user else "system",
                what=newer.history_change_reason
                or {"+": "Created", "~": "Changed", "-": "Deleted"}[newer.history_type],
                changes=changes,
            )
        )
    return entries


def last_change(programme: Programme) -> ChangeEntry | None:
    entries = programme_history(programme, limit=1)
    return entries[0] if entries else None
