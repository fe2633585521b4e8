"""Business enterprise R&D (BERD) by region, in the three layouts the files arrive in.

* `ons-berd-dr52`: the Social Mobility Commission "State of the Nation" indicator DR52 full
  dataset (SON 2025 `…_v3.csv` and SON 2026 `…_son26.csv`, the same layout). Two kinds of row:
  - `trend` rows: the UK (area_code K02000001) per year in "billions of £". Stored as
    `berd_gbp_million` on the UK place, multiplied by 1,000 (billions → millions) here, explicitly.
  - `geography` rows: ITL2 areas named without a code, in "millions of £" that are per 100,000
    residents. Stored as `berd_per_100k_population_gbp_million` on the ITL2 place of that name.
  Any other pairing of row kind, area and unit is refused, so a changed layout cannot be
  mis-scaled silently.
  Editions coexist: each file is an edition ordered by its latest year (SON 2026 → 2024, SON 2025
  → 2023); for the same measure, place and year the newer edition's figure wins whatever order the
  files are imported in, and figures only an older edition has (e.g. ITL2 2023 from SON 2025) stay.
  See common.replace_edition_statistics.
* `ons-berd-dr52-v1`: the SON 2023 layout (ITL2 × 2007–2018, unit "Euros"). The values are NOT
  nominal euros: each is the Eurostat nominal figure (also in nesta-eurostat-berd-nuts2) divided by
  one factor per year, equal to 1 in 2018 (2010: 0.85, 2015: 0.9434) — i.e. euros at 2018 prices.
  They are stored as `berd_eur_2018_prices`, not as the nominal `berd_eur`. The twelve "National"
  rows are a ratio (1 in 2007), not euros, and are skipped. "South Western Scotland" (NUTS 2013
  UKM3) and "Eastern Scotland" before 2014 (NUTS 2013 UKM2, which still held the Scottish Borders)
  are not ITL 2021 areas and are skipped; the file repeats Eastern Scotland 2014–2017 once per
  boundary set with identical values, and an identical repeat is read once.
* `ons-berd-itl1-2022`: a JSON list of {name, value}: BERD 2022, £ million, ITL1 regions named in
  capitals ("NORTH WEST (ENGLAND)"), matched to TLC…TLN by a fixed table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from northstar.core.errors import UserInputError
from northstar.economy.measures import MEASURES, measure_fields
from northstar.ingest.framework import Importer, Prepared, Progress, RowProblem, register
from northstar.places.models import PlaceLevel

from .common import (
    LARGEST_STORABLE,
    PlaceCodes,
    PlaceNames,
    RowKeys,
    StatisticRow,
    json_items_with_lines,
    normalise_place_name,
    parse_amount,
    parse_year,
    read_csv_rows,
    refuse_figures_of_other_datasets,
    replace_edition_statistics,
    replace_statistics,
)

UK_GSS = "K02000001"  # the ONS GSS code of the United Kingdom
BILLION_IN_MILLIONS = Decimal(1000)
EARLIEST_YEAR = 1990  # no regional BERD series starts earlier


def latest_possible_year() -> int:
    """BERD describes a finished year: nothing later than last year can have been published."""
    return date.today().year - 1


# Proposed for northstar/economy/measures.py (reported to the lead); measures.py wins once added.
BERD_EUR_2018_PRICES = "berd_eur_2018_prices"
PROPOSED_MEASURES = {
    BERD_EUR_2018_PRICES: {
        "name": "Business enterprise R&D expenditure (euros at 2018 prices)",
        "unit": "€ (2018 prices)",
        "source": "ONS BERD via Eurostat, as deflated in SMC State of the Nation DR52 (SON 2023)",
        "description": "DR52 v1 series: the Eurostat nominal euro figure divided by a per-year "
        "price factor equal to 1 in 2018. For nominal euros use berd_eur.",
    },
}
DR52_MEASURES = measure_fields("berd_gbp_million", "berd_per_100k_population_gbp_million")
V1_MEASURES = {BERD_EUR_2018_PRICES: {**PROPOSED_MEASURES, **MEASURES}[BERD_EUR_2018_PRICES]}
ITL1_MEASURES = measure_fields("berd_gbp_million")


class _Dr52Base(Importer):
    """Shared by both DR52 layouts: per-run state, reset at the start of each file."""

    def prepare(self, path: Path, progress: Progress | None = None) -> Prepared:
        self.keys = RowKeys()
        self.itl2 = PlaceNames(PlaceLevel.ITL2)
        self.latest_year = 0
        return super().prepare(path, progress)


@register
class Dr52Importer(_Dr52Base):
    """SMC State of the Nation DR52, SON 2025 and SON 2026 layout."""

    dataset = "ons-berd-dr52"
    title = "ONS business R&D (BERD): UK trend and ITL2 per 100,000 residents (SMC DR52)"
    publisher = "Office for National Statistics, via the Social Mobility Commission"
    # Oldest edition first, so `import --present` ends with the newest (either order gives the same).
    default_files = (
        "ons_berd/dr52_business_rd_itl2_full_dataset_v3.csv",
        "ons_berd/dr52_business_rd_full_dataset_son26.csv",
    )
    order = 50
    columns = (
        "measure_code",
        "chart_type",
        "area_code",
        "area_type",
        "area_name",
        "time_period",
        "value",
        "unit",
    )

    def prepare(self, path: Path, progress: Progress | None = None) -> Prepared:
        self.uk = PlaceCodes("gss")
        return super().prepare(path, progress)

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        return read_csv_rows(path, self.columns)

    def parse(self, line: int, raw: dict) -> StatisticRow | None:
        if (raw["measure_code"] or "").strip().casefold() != "dr52":
            raise RowProblem(f"{raw['measure_code']!r} is not indicator dr52", "measure_code")
        kind = (raw["chart_type"] or "").strip()
        unit = (raw["unit"] or "").strip()
        year = parse_year(
            raw["time_period"], "time_period", earliest=EARLIEST_YEAR, latest=latest_possible_year()
        )
        value, suppressed = parse_amount(raw["value"], "value")
        if kind == "trend":
            code = (raw["area_code"] or "").strip()
            if code != UK_GSS and self.uk_code(code) != "UK":
                raise RowProblem(
                    f"a trend row must be the United Kingdom ({UK_GSS}), not {code!r}", "area_code"
                )
            if unit != "billions of £":
                raise RowProblem(f"a UK trend row must be in 'billions of £', not {unit!r}", "unit")
            measure, place = "berd_gbp_million", "UK"
            if value is not None:
                value = value * BILLION_IN_MILLIONS
                if value >= LARGEST_STORABLE:
                    raise RowProblem(f"{raw['value']!r} billion is too large a figure", "value")
        elif kind == "geography":
            if (raw["area_type"] or "").strip() != "ITL2":
                raise RowProblem(
                    f"a geography row must be an ITL2 area, not {raw['area_type']!r}", "area_type"
                )
            if unit != "millions of £":
                raise RowProblem(
                    f"an ITL2 row must be in 'millions of £' (per 100,000 residents), not {unit!r}",
                    "unit",
                )
            measure = "berd_per_100k_population_gbp_million"
            place = self.itl2(raw["area_name"], "area_name")
        else:
            raise RowProblem(f"{kind!r} is not a DR52 row kind (trend or geography)", "chart_type")
        if self.keys.seen((measure, place, year), line, value, "value"):
            return None
        self.latest_year = max(self.latest_year, year)
        return StatisticRow(
            measure=measure,
            place_code=place,
            place_name="United Kingdom" if place == "UK" else "",
            year=year,
            value=value,
            suppressed=suppressed,
        )

    def uk_code(self, code: str) -> str | None:
        try:
            return self.uk(code, "area_code")
        except RowProblem:
            return None

    def write(self, rows, record) -> int:
        refuse_figures_of_other_datasets(record, rows)
        written = replace_edition_statistics(record, rows, DR52_MEASURES, self.latest_year)
        if any(r.place_code == "UK" for r in rows):
            ensure_uk_gss_alias()
        return written


def ensure_uk_gss_alias() -> None:
    """K02000001 (the UK's GSS code) → the UK place, so other files giving it resolve too."""
    from northstar.places.models import CodeScheme, Place, PlaceCode

    uk = Place.objects.get(code="UK")
    PlaceCode.objects.get_or_create(scheme=CodeScheme.GSS, code=UK_GSS, defaults={"place": uk})


# v1 names that are not ITL 2021 areas, and (for a name reused across boundary sets) the first
# year it means the ITL 2021 area.
V1_NOT_ITL2021 = {normalise_place_name("South Western Scotland"): None}
V1_ITL2021_FROM = {normalise_place_name("Eastern Scotland"): 2014}


@register
class Dr52V1Importer(_Dr52Base):
    """SMC State of the Nation 2023 DR52: ITL2 × year, euros at 2018 prices."""

    dataset = "ons-berd-dr52-v1"
    title = "BERD by ITL2, euros at 2018 prices, 2007–2018 (SMC DR52, SON 2023)"
    publisher = "Office for National Statistics / Eurostat, via the Social Mobility Commission"
    default_files = ("ons_berd/dr52_business_rd_itl2_full_dataset_v1.csv",)
    order = 50
    columns = ("Ind_code", "Area_type", "Area_name", "Time_period", "Value", "Unit")

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        return read_csv_rows(path, self.columns)

    def parse(self, line: int, raw: dict) -> StatisticRow | None:
        if (raw["Ind_code"] or "").strip().casefold() != "dr52":
            raise RowProblem(f"{raw['Ind_code']!r} is not indicator DR52", "Ind_code")
        if (raw["Unit"] or "").strip() != "Euros":
            raise RowProblem(f"the unit must be 'Euros', not {raw['Unit']!r}", "Unit")
        year = parse_year(
            raw["Time_period"], "Time_period", earliest=EARLIEST_YEAR, latest=latest_possible_year()
        )
        value, suppressed = parse_amount(raw["Value"], "Value")
        area_type = (raw["Area_type"] or "").strip()
        if area_type == "National":
            return None  # a ratio (1 in 2007), not euros: see the module docstring
        if area_type != "ITL2":
            raise RowProblem(f"{area_type!r} is not National or ITL2", "Area_type")
        name = normalise_place_name(raw["Area_name"])
        if name in V1_NOT_ITL2021 or year < V1_ITL2021_FROM.get(name, 0):
            return None  # a NUTS 2013 area that ITL 2021 does not have
        place = self.itl2(raw["Area_name"], "Area_name")
        if self.keys.seen((place, year), line, value, "Value"):
            return None
        return StatisticRow(
            measure=BERD_EUR_2018_PRICES,
            place_code=place,
            year=year,
            value=value,
            suppressed=suppressed,
        )

    def write(self, rows, record) -> int:
        refuse_figures_of_other_datasets(record, rows)
        return replace_statistics(record, rows, V1_MEASURES)


# ITL1 regions: the fixed twelve, by every name the publishers use (ONS GVA tables and the
# capitalised "NORTH WEST (ENGLAND)" style), keyed by normalise_place_name.
ITL1_REGIONS = {
    "TLC": ("North East", ["North East (England)"]),
    "TLD": ("North West", ["North West (England)"]),
    "TLE": ("Yorkshire and The Humber", ["Yorkshire and The Humber (England)"]),
    "TLF": ("East Midlands", ["East Midlands (England)"]),
    "TLG": ("West Midlands", ["West Midlands (England)"]),
    "TLH": ("East", ["East of England", "East (England)"]),
    "TLI": ("London", ["London (England)"]),
    "TLJ": ("South East", ["South East (England)"]),
    "TLK": ("South West", ["South West (England)"]),
    "TLL": ("Wales", []),
    "TLM": ("Scotland", []),
    "TLN": ("Northern Ireland", []),
}
ITL1_BY_NAME = {
    normalise_place_name(name): code
    for code, (canonical, others) in ITL1_REGIONS.items()
    for name in [canonical, *others]
}


@register
class BerdItl1Importer(Importer):
    """BERD 2022 by ITL1 region, £ million: a JSON list of {name, value}."""

    dataset = "ons-berd-itl1-2022"
    title = "ONS business R&D (BERD) 2022 by ITL1 region, £ million"
    publisher = "Office for National Statistics (as charted by FM-ds/GrowthDiagnostics)"
    default_files = ("ons_berd/business_rd_by_itl1_2022_growthdiagnostics.json",)
    order = 50
    year = 2022  # the file holds one year and does not say which: the dataset is that year

    def prepare(self, path: Path, progress: Progress | None = None) -> Prepared:
        self.keys = RowKeys()
        return super().prepare(path, progress)

    def read(self, path: Path) -> Iterator[tuple[int, dict]]:
        try:
            text = path.read_text(encoding="utf-8-sig")
            data = json.loads(text)
        except UnicodeDecodeError as exc:
            raise UserInputError(f"{path.name} is not UTF-8 text: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise UserInputError(f"{path.name} is not valid JSON: {exc}") from exc
        if not isinstance(data, list):
            raise UserInputError(f"{path.name} must be a JSON list of {{name, value}} objects.")
        for line, _, item in json_items_with_lines(text):
            yield line, item

    def parse(self, line: int, raw) -> StatisticRow:
        if not isinstance(raw, dict):
            raise RowProblem(f"each item must be an object with name and value, not {raw!r}")
        for column in ("name", "value"):
            if column not in raw:
                raise RowProblem(f"the item has no {column!r}", column)
        name = raw["name"]
        code = ITL1_BY_NAME.get(normalise_place_name(str(name or "")))
        if code is None:
            raise RowProblem(f"{name!r} is not the name of an ITL1 region", "name")
        if isinstance(raw["value"], bool):
            raise RowProblem(f"{raw['value']!r} is not a number", "value")
        value, suppressed = parse_amount(raw["value"], "value")
        if self.keys.seen(code, line, value, "name"):
            return None
        return StatisticRow(
            measure="berd_gbp_million",
            place_code=code,
            place_name=ITL1_REGIONS[code][0],
            year=self.year,
            value=value,
            suppressed=suppressed,
        )

    def write(self, rows, record) -> int:
        refuse_figures_of_other_datasets(record, rows)
        return replace_statistics(record, rows, ITL1_MEASURES)
