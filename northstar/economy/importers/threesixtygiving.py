"""360Giving grants files: validate against the 360Giving Data Standard, read into typed grants,
and write grants back out as a file that passes the same validation.

* `validate_360giving(path) -> list[RowError]`: every problem of every grant, each with the line
  the grant starts on, the JSON path of the bad value (the "column"), and the grant's position and
  id in the reason. An empty list means the file conforms. A file that is not JSON at all is a
  UserInputError.
* `parse_grants(path) -> list[Grant360]`: all or nothing: FileRejected (with every problem) if
  any grant is invalid, else every grant as a Grant360.
* `grants_to_360giving(grants) -> dict` and `dumps_360giving(data) -> str`: the export.

The schema (`360-giving-schema.json`, one grant; `360-giving-package-schema.json`, the file) and
codelists are read from NORTHSTAR_DATA_DIR/threesixtygiving. The schemas declare JSON Schema
draft 2020-12 (360Giving 1.4; earlier versions were draft-04): the validator is the one the schema
declares. Formats are checked (date-time per RFC 3339, uri); without that, `awardDate`'s "a
date-time or a YYYY-MM-DD date" choice would accept anything. Closed codelists
(`"openCodelist": false`, and the currency and country lists) are checked against the codelist
CSVs. References to the grant schema's URL are resolved to the local file, never fetched.
No grant is stored in the database: there is no Grant model yet.
"""

from __future__ import annotations

import csv
import json
import re
import reprlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from northstar.core.errors import FileRejected, RowError, UserInputError

from .common import json_items_with_lines

SCHEMA_FOLDER = "threesixtygiving"
GRANT_SCHEMA = "360-giving-schema.json"
PACKAGE_SCHEMA = "360-giving-package-schema.json"
DATE = re.compile(r"^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])$")
DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)  # RFC 3339: a time zone is required
URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60


# --- The typed grant --------------------------------------------------------------------------


@dataclass(frozen=True)
class Organisation360:
    id: str
    name: str
    charity_number: str = ""
    company_number: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class Location360:
    name: str = ""
    geo_code: str = ""
    geo_code_type: str = ""
    country_code: str = ""


@dataclass(frozen=True)
class Grant360:
    """One grant, with the fields Northstar uses; amounts in Decimal, dates as dates."""

    id: str
    title: str
    currency: str
    amount_awarded: Decimal
    award_date: date
    funding_organisations: tuple[Organisation360, ...]
    recipient_organisations: tuple[Organisation360, ...] = ()
    recipient_individual_id: str = ""  # a grant goes to organisations or to one individual
    recipient_individual_name: str = ""
    description: str = ""
    amount_applied_for: Decimal | None = None
    amount_disbursed: Decimal | None = None
    planned_start: str = ""  # YYYY-MM-DD, YYYY-MM or YYYY as published
    planned_end: str = ""
    planned_duration_months: Decimal | None = None
    beneficiary_locations: tuple[Location360, ...] = ()
    programme_code: str = ""
    programme_title: str = ""
    from_open_call: bool | None = None
    location_scope: str = ""  # codelist locationScope.csv, e.g. GLS050
    regrant_type: str = ""  # codelist regrantType.csv
    individual_reasons: tuple[str, ...] = ()  # grantToIndividualsReason.csv: primary, secondary
    individual_purposes: tuple[str, ...] = ()  # grantToIndividualsPurpose.csv
    url: str = ""
    data_source: str = ""
    classifications: tuple[tuple[str, str, str], ...] = field(default=())  # vocabulary, code, title


# --- Schema, codelists and the validator ------------------------------------------------------


def schema_dir(data_dir: Path | None = None) -> Path:
    return Path(data_dir or settings.NORTHSTAR_DATA_DIR) / SCHEMA_FOLDER


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserInputError(
            f"The 360Giving schema file {path} is missing; set NORTHSTAR_DATA_DIR to the folder "
            f"holding {SCHEMA_FOLDER}/."
        ) from None


@lru_cache(maxsize=4)
def load_codelists(folder: Path) -> dict[str, dict[str, str]]:
    """Each codelist CSV by file name: {code: title}."""
    lists = {}
    for path in sorted((folder / "codelists").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            lists[path.name] = {row["Code"]: row.get("Title", "") for row in csv.DictReader(f)}
    return lists


def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True  # formats only constrain strings
    if not DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def _is_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    if any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme and URI_SCHEME.match(parts.scheme) and (parts.netloc or parts.path))


@lru_cache(maxsize=4)
def package_validator(folder: Path):
    """A validator of a whole grants file, with the grant schema and codelists from `folder`."""
    from jsonschema import FormatChecker, ValidationError, validators
    from referencing import Registry, Resource

    grant_schema = _read_json(folder / GRANT_SCHEMA)
    package_schema = _read_json(folder / PACKAGE_SCHEMA)
    # `"uniqueItems": true` on grants compares every pair of grants (10,000 grants: 75 s). Two
    # identical grants share their id, which _duplicate_ids reports in linear time instead.
    package_schema.get("properties", {}).get("grants", {}).pop("uniqueItems", None)
    codelists = load_codelists(folder)

    specification = _dialect(grant_schema)[1]
    grant = Resource(contents=grant_schema, specification=specification)
    urls = {grant_schema.get("$id", "")} | {
        ref for ref in _refs(package_schema) if ref.split("#")[0].endswith(GRANT_SCHEMA)
    }
    registry = Registry().with_resources((url.split("#")[0], grant) for url in urls if url)

    def codelist(validator, name, instance, schema):
        if schema.get("openCodelist") is True or not isinstance(instance, str):
            return
        codes = codelists.get(name)
        if codes is None:
            raise UserInputError(f"The 360Giving codelist {name} is missing from {folder}.")
        if instance not in codes:
            yield ValidationError(
                f"{_short.repr(instance)} is not a code of the 360Giving codelist "
                f"{name.removesuffix('.csv')}"
            )

    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    checker.checks("uri")(_is_uri)
    cls = validators.extend(_dialect(package_schema)[0], {"codelist": codelist})
    return cls(package_schema, registry=registry, format_checker=checker)


def _dialect(schema: dict):
    """The validator class and referencing specification of the schema's declared dialect.

    360Giving 1.4 declares `http://json-schema.org/draft/2020-12/schema` (http, where the
    dialect's own identifier is https), which the libraries do not recognise by itself.
    """
    from jsonschema import Draft4Validator, Draft202012Validator
    from referencing.jsonschema import DRAFT4, DRAFT202012

    declared = str(schema.get("$schema", "")).rstrip("#").replace("https://", "http://")
    if declared == "http://json-schema.org/draft/2020-12/schema":
        return Draft202012Validator, DRAFT202012
    if declared == "http://json-schema.org/draft-04/schema":
        return Draft4Validator, DRAFT4
    raise UserInputError(f"The 360Giving schema declares an unexpected dialect {declared!r}.")


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


# --- Validation -------------------------------------------------------------------------------


def _read_grants_file(path: Path) -> tuple[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserInputError(f"No such file: {path}") from None
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{path.name} is not UTF-8 text: {exc}") from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise UserInputError(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    return text, data


def validate_360giving(path: Path | str, data_dir: Path | None = None) -> list[RowError]:
    """Every problem in a 360Giving grants file ({"grants": [...]}); empty when it conforms."""
    text, data = _read_grants_file(Path(path))
    return validate_360giving_data(data, text, data_dir)


def validate_360giving_data(data, text: str = "", data_dir: Path | None = None) -> list[RowError]:
    validator = package_validator(schema_dir(data_dir))
    lines: dict[int, int] = {}
    if text and isinstance(data, dict) and isinstance(data.get("grants"), list):
        lines = {index: line for line, index, _ in json_items_with_lines(text, key="grants")}
    grants = data.get("grants") if isinstance(data, dict) else None
    grants = grants if isinstance(grants, list) else []

    def where(error_path) -> tuple[int, str]:
        if len(error_path) >= 2 and error_path[0] == "grants" and isinstance(error_path[1], int):
            index = error_path[1]
            grant = grants[index] if index < len(grants) else None
            grant_id = grant.get("id") if isinstance(grant, dict) else None
            label = f"grant {index + 1}" + (f" (id {grant_id!r})" if grant_id else "")
            return lines.get(index, 1), label
        return 1, "the file"

    errors = []
    for error in validator.iter_errors(data):
        if error.validator == "enum" and "codelist" in error.schema:
            continue  # the codelist check reports it, naming the codelist
        line, label = where(list(error.absolute_path))
        errors.append(RowError(line, f"{label}: {describe(error)}", error.json_path))
    errors.extend(_duplicate_ids(grants, lines))
    return sorted(set(errors), key=lambda e: (e.line, e.column, e.reason))


def _duplicate_ids(grants: list, lines: dict[int, int]) -> list[RowError]:
    first: dict[str, int] = {}
    errors = []
    for index, grant in enumerate(grants):
        grant_id = grant.get("id") if isinstance(grant, dict) else None
        if not isinstance(grant_id, str):
            continue
        if grant_id in first:
            errors.append(
                RowError(
                    lines.get(index, 1),
                    f"grant {index + 1} (id {grant_id!r}): the id is also grant "
                    f"{first[grant_id] + 1}'s; each grant in a file needs its own id",
                    f"$.grants[{index}].id",
                )
            )
        else:
            first[grant_id] = index
    return errors


def describe(error) -> str:
    """A validation error in words, without dumping the whole offending value."""
    value = _short.repr(error.instance)
    kind = error.validator
    if kind == "oneOf":
        return _describe_one_of(error, value)
    if kind == "enum":
        return f"{value} must be one of {', '.join(map(str, error.validator_value))}"
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{value} is not of type {expected}"
    if kind == "format":
        return f"{value} is not a valid {error.validator_value}"
    if kind == "pattern":
        return f"{value} does not match the pattern {error.validator_value}"
    if kind == "minItems":
        return f"needs at least {error.validator_value} item(s)"
    if kind == "uniqueItems":
        return "has repeated (identical) items"
    return error.message if len(error.message) <= 300 else error.message[:297] + "…"


def _describe_one_of(error, value: str) -> str:
    branches = error.validator_value
    if all(set(b) <= {"format", "pattern"} for b in branches):
        return f"{value} is not a date (YYYY-MM-DD) or a date-time (e.g. 2024-05-01T09:30:00Z)"
    if all(set(b) == {"required"} for b in branches):
        if not error.context:  # every branch holds: the alternatives were both given
            shared = set.intersection(*(set(b["required"]) for b in branches))
            extra = [sorted(set(b["required"]) - shared) for b in branches]
            return f"gives both {' and '.join(', '.join(e) for e in extra)}; give only one"
        missing: dict[int, set[str]] = {i: set() for i in range(len(branches))}
        for sub in error.context:
            if sub.validator == "required":
                missing[sub.schema_path[0]].update(
                    f for f in branches[sub.schema_path[0]]["required"] if f not in error.instance
                )
        shared = set.intersection(*missing.values())
        fields = sorted(shared)
        alternatives = [", ".join(sorted(m - shared)) for m in missing.values()]
        if all(alternatives):
            fields.append(" or ".join(alternatives))
        return f"lacks the required field(s) {'; '.join(fields)}"
    return f"{value} does not match exactly one of the allowed forms"


# --- Reading grants ---------------------------------------------------------------------------


def parse_grants(path: Path | str, data_dir: Path | None = None) -> list[Grant360]:
    """Every grant of a conforming file, or FileRejected listing every problem (all or nothing)."""
    path = Path(path)
    text, data = _read_grants_file(path)
    errors = validate_360giving_data(data, text, data_dir)
    if errors:
        raise FileRejected(path.name, errors)
    return [grant_from_json(g) for g in data["grants"]]


def _org(o: dict) -> Organisation360:
    return Organisation360(
        id=o["id"],
        name=o["name"],
        charity_number=o.get("charityNumber", ""),
        company_number=o.get("companyNumber", ""),
        postal_code=o.get("postalCode", ""),
    )


def _award_date(text: str) -> date:
    return date.fromisoformat(text[:10])


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def grant_from_json(g: dict) -> Grant360:
    """One grant that has passed validation, as a Grant360."""
    planned = (g.get("plannedDates") or [{}])[0]
    programme = (g.get("grantProgramme") or [{}])[0]
    individual = g.get("recipientIndividual") or {}
    details = g.get("toIndividualsDetails") or {}
    open_call = g.get("fromOpenCall")
    return Grant360(
        id=g["id"],
        title=g["title"],
        currency=g["currency"],
        amount_awarded=_decimal(g["amountAwarded"]),
        award_date=_award_date(g["awardDate"]),
        funding_organisations=tuple(_org(o) for o in g["fundingOrganization"]),
        recipient_organisations=tuple(_org(o) for o in g.get("recipientOrganization", [])),
        recipient_individual_id=individual.get("id", ""),
        recipient_individual_name=individual.get("name", ""),
        description=g.get("description", ""),
        amount_applied_for=_decimal(g.get("amountAppliedFor")),
        amount_disbursed=_decimal(g.get("amountDisbursed")),
        planned_start=planned.get("startDate", ""),
        planned_end=planned.get("endDate", ""),
        planned_duration_months=_decimal(planned.get("duration")),
        beneficiary_locations=tuple(
            Location360(
                name=loc.get("name") or "",
                geo_code=loc.get("geoCode") or "",
                geo_code_type=loc.get("geoCodeType") or "",
                country_code=loc.get("countryCode") or "",
            )
            for loc in g.get("beneficiaryLocation", [])
        ),
        programme_code=programme.get("code", ""),
        programme_title=programme.get("title") or "",
        from_open_call=None if open_call is None else open_call == "Yes",
        location_scope=g.get("locationScope", ""),
        regrant_type=g.get("regrantType", ""),
        individual_reasons=tuple(
            details[k] for k in ("primaryGrantReason", "secondaryGrantReason") if k in details
        ),
        individual_purposes=tuple(details.get("grantPurpose", [])),
        url=g.get("url", ""),
        data_source=g.get("dataSource") or "",
        classifications=tuple(
            (c.get("vocabulary", ""), c.get("code", ""), c.get("title") or "")
            for c in g.get("classifications", [])
        ),
    )


# --- Writing grants ---------------------------------------------------------------------------


def _org_json(o: Organisation360) -> dict:
    out = {"id": o.id, "name": o.name}
    for key, value in (
        ("charityNumber", o.charity_number),
        ("companyNumber", o.company_number),
        ("postalCode", o.postal_code),
    ):
        if value:
            out[key] = value
    return out


def grant_to_json(grant: Grant360) -> dict:
    g: dict[str, Any] = {
        "id": grant.id,
        "title": grant.title,
        "currency": grant.currency,
        "amountAwarded": grant.amount_awarded,
        "awardDate": grant.award_date.isoformat(),
        "fundingOrganization": [_org_json(o) for o in grant.funding_organisations],
    }
    if grant.recipient_organisations:
        g["recipientOrganization"] = [_org_json(o) for o in grant.recipient_organisations]
    if grant.recipient_individual_id:
        g["recipientIndividual"] = {
            "id": grant.recipient_individual_id,
            "name": grant.recipient_individual_name,
        }
    optional = {
        "description": grant.description,
        "amountAppliedFor": grant.amount_applied_for,
        "amountDisbursed": grant.amount_disbursed,
        "url": grant.url,
        "dataSource": grant.data_source,
        "locationScope": grant.location_scope,
        "regrantType": grant.regrant_type,
    }
    g.update({k: v for k, v in optional.items() if v not in ("", None)})
    planned = {
        k: v
        for k, v in (
            ("startDate", grant.planned_start),
            ("endDate", grant.planned_end),
            ("duration", grant.planned_duration_months),
        )
        if v not in ("", None)
    }
    if planned:
        g["plannedDates"] = [planned]
    if grant.beneficiary_locations:
        g["beneficiaryLocation"] = [
            {
                k: v
                for k, v in (
                    ("name", loc.name),
                    ("geoCode", loc.geo_code),
                    ("geoCodeType", loc.geo_code_type),
                    ("countryCode", loc.country_code),
                )
                if v
            }
            for loc in grant.beneficiary_locations
        ]
    if grant.programme_code or grant.programme_title:
        programme = {"code": grant.programme_code} if grant.programme_code else {}
        if grant.programme_title:
            programme["title"] = grant.programme_title
        g["grantProgramme"] = [programme]
    if grant.from_open_call is not None:
        g["fromOpenCall"] = "Yes" if grant.from_open_call else "No"
    if grant.individual_reasons or grant.individual_purposes:
        details: dict[str, Any] = {}
        for key, reason in zip(
            ("primaryGrantReason", "secondaryGrantReason"), grant.individual_reasons, strict=False
        ):
            details[key] = reason
        if grant.individual_purposes:
            details["grantPurpose"] = list(grant.individual_purposes)
        g["toIndividualsDetails"] = details
    if grant.classifications:
        g["classifications"] = [
            {"vocabulary": v, "code": c, **({"title": t} if t else {})}
            for v, c, t in grant.classifications
        ]
    return g


def grants_to_360giving(grants: list[Grant360]) -> dict:
    """A 360Giving grants file as a dict (amounts stay Decimal: write it with dumps_360giving)."""
    return {"grants": [grant_to_json(g) for g in grants]}


def _json_number(value):
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        # JSON has one number type; a float prints the decimal exactly up to 15 digits.
        if len(value.as_tuple().digits) > 15:
            raise ValueError(f"{value} has too many digits to write exactly")
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps_360giving(data: dict) -> str:
    """The file's text; amounts are written as the decimal numbers they are."""
    return json.dumps(data, default=_json_number, ensure_ascii=False, indent=2)
