"""Every measure the statistics importers write, by code: the one vocabulary that importers,
calculations and pages share. An importer writes only measures listed here."""

from collections.abc import Iterable

ONS_GDP = "ONS, Regional gross domestic product: all ITL regions (April 2023 release)"
ONS_GVA_INDUSTRY = (
    "ONS, Regional gross value added (balanced) by industry: all ITL regions (April 2023 release)"
)
ONS_BRES = "ONS, Business Register and Employment Survey (open access, via Nomis)"
ONS_BERD = (
    "ONS, Business enterprise research and development (regional), via SMC State of the Nation DR52"
)
NESTA_IUK = "Innovate UK funded projects, aggregated by Nesta (nestauk/beis-indicators)"
NESTA_UKRI = "UKRI Gateway to Research, aggregated by Nesta (nestauk/beis-indicators)"
EUROSTAT = "Eurostat rd_e_gerdreg (business enterprise sector), via Nesta"

MEASURES: dict[str, dict[str, str]] = {
    "gva_balanced_current_prices_gbp_million": {
        "name": "Gross value added (balanced), current basic prices",
        "unit": "£ million",
        "source": ONS_GDP,
        "description": "ONS regional GVA(B), Table 1.",
    },
    "gdp_current_market_prices_gbp_million": {
        "name": "Gross domestic product, current market prices",
        "unit": "£ million",
        "source": ONS_GDP,
        "description": "ONS regional GDP, Table 5.",
    },
    "total_resident_population": {
        "name": "Total resident population",
        "unit": "persons",
        "source": ONS_GDP,
        "description": "Mid-year resident population as used in regional GDP, Table 6.",
    },
    "gva_by_industry_current_prices_gbp_million": {
        "name": "GVA (balanced) by industry, current prices",
        "unit": "£ million",
        "source": ONS_GVA_INDUSTRY,
        "description": "Tables 2c (ITL2) and 3c (ITL3); industry_code is the published SIC07 code ('Total' = all industries).",
    },
    "bres_employment": {
        "name": "Employment (BRES) by 2-digit SIC 2007 division",
        "unit": "employees and working owners",
        "source": ONS_BRES,
        "description": "industry_code = SIC 2007 division (01–99).",
    },
    "bres_employment_by_section": {
        "name": "Employment (BRES) by SIC 2007 section",
        "unit": "employees and working owners",
        "source": ONS_BRES,
        "description": "industry_code = SIC 2007 section letter (A–U).",
    },
    "berd_gbp_million": {
        "name": "Business enterprise R&D expenditure",
        "unit": "£ million",
        "source": ONS_BERD,
        "description": "BERD, nominal.",
    },
    "berd_per_100k_population_gbp_million": {
        "name": "Business enterprise R&D expenditure per 100,000 residents",
        "unit": "£ million per 100,000 residents",
        "source": ONS_BERD,
        "description": "SMC State of the Nation indicator DR52 (ITL2).",
    },
    "berd_eur": {
        "name": "Business enterprise R&D expenditure (euros)",
        "unit": "€",
        "source": EUROSTAT,
        "description": "Eurostat BERD by NUTS2 (= ITL2), nominal euros.",
    },
    "innovate_uk_funding_gbp": {
        "name": "Innovate UK funding awarded",
        "unit": "£",
        "source": NESTA_IUK,
        "description": "Award offered, by the NUTS region of the participant's postcode and the competition's financial year (April–March, shown as 2018-19); withdrawn and on-hold projects excluded.",
    },
    "berd_eur_2018_prices": {
        "name": "Business enterprise R&D expenditure (euros at 2018 prices)",
        "unit": "€ (2018 prices)",
        "source": "ONS BERD via Eurostat, as deflated in SMC State of the Nation DR52 (SON 2023)",
        "description": "DR52 v1 series: the Eurostat nominal euro figure divided by a per-year price factor equal to 1 in 2018. For nominal euros use berd_eur.",
    },
    "ukri_mean_project_funding_gbp": {
        "name": "UKRI funding per project (mean), by lead organisation's area",
        "unit": "£ per project",
        "source": NESTA_UKRI,
        "description": "Nesta's 'total_ukri_funding' is the mean amount per funded project led from the area (make_gtr_funding.py aggregates with np.mean), by the fund's start year. Not a total: do not add areas together.",
    },
    "ukri_funding_gbp": {
        "name": "UKRI research funding (Gateway to Research)",
        "unit": "£",
        "source": NESTA_UKRI,
        "description": "By NUTS region or LEP of the lead organisation.",
    },
}


def measure_fields(*codes: str) -> dict[str, dict[str, str]]:
    return {code: MEASURES[code] for code in codes}


# Periods a source covers only in part, by measure: year → what its figure holds. Nesta
# aggregated the Innovate UK transparency file of 1 August 2020, four months into 2020-21, so
# that year is shown marked, is never the headline or the default year to rank, and is not
# derived into indicators (a third of a year against a whole year's population or GVA).
PART_PERIODS: dict[str, dict[int, str]] = {
    "innovate_uk_funding_gbp": {
        2020: "awards offered up to 1 August 2020 only (the date of the Innovate UK file Nesta "
        "aggregated)"
    },
}


def part_period(code: str, year: int | None) -> str:
    """What the measure's figure for the year holds when it covers only part of the period
    ('' when it covers all of it)."""
    return PART_PERIODS.get(code, {}).get(year, "") if year is not None else ""


def whole_years(code: str, years: Iterable[int]) -> list[int]:
    """The years, sorted, without those the measure's source covers only in part."""
    return sorted(y for y in years if not part_period(code, y))
