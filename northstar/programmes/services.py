"""Programmes: default data, who may do what, monitoring returns (template, upload, verification)
and the dashboards' figures. Views, API, admin and commands call these."""

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

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.text import slugify

from northstar.core.errors import FileRejected, RowError, UserInputError
from northstar.organisations.models import Organisation, SizeClass
from northstar.organisations.services import RecordIn, link_records

from . import calculations as calc
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
            programme = Programme.objects.create(
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
