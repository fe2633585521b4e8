"""The published layout of Innovate UK's participant-level "funded projects" transparency data.

UKRI publishes it as an Excel workbook ("Innovate UK funded projects since 2004"; one row per
participant per project, with a title and notes area above the header row, on a sheet whose name
changes between releases) and officers also save it as CSV. No copy of the workbook is held here:
the column names below are those of the published header (as named in the issue and as public
scripts that read the workbook name them). The reader finds the header row by these names, so
the order of the columns and any extra columns do not matter.
"""

from __future__ import annotations

# Every column of the published header, in the order of the published workbook.
PUBLISHED_COLUMNS: tuple[str, ...] = (
    "Competition Reference",
    "Competition Title",
    "Programme Title",
    "Sector",
    "Application Number",
    "Project Number",
    "Project Title",
    "Public Description",
    "Competition Year",
    "Innovate UK Product Type",
    "Participant Name",
    "CRN",
    "Is Lead Participant",
    "Project Start Date",
    "Project End Date",
    "Award Offered (£)",
    "Total Costs (£)",
    "Actual Spend to Date (£)",
    "Participant Withdrawn From Project",
    "Project Status",
    "Enterprise Size",
    "Postcode",
    "Address Region",
    "Address LEP",
    "Address Local Authority",
    "In Multiple LEPs",
    "Industrial Strategy Challenge Fund (ISCF)",
)

# The columns the importer reads: a file without one of them is refused as a whole.
COMPETITION_REFERENCE = "Competition Reference"
COMPETITION_TITLE = "Competition Title"
PROGRAMME_TITLE = "Programme Title"
SECTOR = "Sector"
PROJECT_NUMBER = "Project Number"
PROJECT_TITLE = "Project Title"
PARTICIPANT_NAME = "Participant Name"
CRN = "CRN"
IS_LEAD = "Is Lead Participant"
START_DATE = "Project Start Date"
AWARD_OFFERED = "Award Offered (£)"
TOTAL_COSTS = "Total Costs (£)"
ACTUAL_SPEND = "Actual Spend to Date (£)"
WITHDRAWN = "Participant Withdrawn From Project"
PROJECT_STATUS = "Project Status"
ENTERPRISE_SIZE = "Enterprise Size"
POSTCODE = "Postcode"
REGION = "Address Region"
LEP = "Address LEP"
LOCAL_AUTHORITY = "Address Local Authority"
# Read when present.
END_DATE = "Project End Date"

REQUIRED_COLUMNS: tuple[str, ...] = (
    COMPETITION_REFERENCE,
    COMPETITION_TITLE,
    PROGRAMME_TITLE,
    SECTOR,
    PROJECT_NUMBER,
    PROJECT_TITLE,
    PARTICIPANT_NAME,
    CRN,
    IS_LEAD,
    START_DATE,
    AWARD_OFFERED,
    TOTAL_COSTS,
    ACTUAL_SPEND,
    WITHDRAWN,
    PROJECT_STATUS,
    ENTERPRISE_SIZE,
    POSTCODE,
    REGION,
    LEP,
    LOCAL_AUTHORITY,
)
OPTIONAL_COLUMNS: tuple[str, ...] = (END_DATE,)

# Other spellings of a header seen in releases of the data, to the name used above.
HEADER_ALIASES: dict[str, str] = {
    "grant offered (£)": AWARD_OFFERED,
    "award offered": AWARD_OFFERED,
    "grant offered": AWARD_OFFERED,
    "total costs": TOTAL_COSTS,
    "actual spend to date": ACTUAL_SPEND,
    "innovate uk programme": PROGRAMME_TITLE,
    "innovate uk sector": SECTOR,
    "post code": POSTCODE,
    "company registration number": CRN,
}

# A header row is the first row (within the first HEADER_SEARCH_ROWS of a sheet) that has these.
HEADER_MARKERS: tuple[str, ...] = (PROJECT_NUMBER, PARTICIPANT_NAME, AWARD_OFFERED)
HEADER_SEARCH_ROWS = 60


def header_key(text) -> str:
    """A header cell as a lookup key: case, spacing and non-breaking spaces do not matter."""
    return " ".join(str(text or "").replace("\xa0", " ").split()).casefold()


CANONICAL_BY_KEY: dict[str, str] = {
    header_key(name): name for name in (*PUBLISHED_COLUMNS, *REQUIRED_COLUMNS)
} | {header_key(alias): name for alias, name in HEADER_ALIASES.items()}


def canonical_header(text) -> str | None:
    """The published column name a header cell means, or None for a column not read."""
    return CANONICAL_BY_KEY.get(header_key(text))


def is_header_row(cells) -> bool:
    names = {canonical_header(c) for c in cells}
    return all(marker in names for marker in HEADER_MARKERS)
