"""A small Innovate UK participant file, written by us in the published layout.

No copy of the real "Innovate UK funded projects" workbook is available here, so these files are
fixtures we write ourselves in its published layout (northstar/funding/layout.py): a notes sheet,
then a data sheet with a title and notes area above the header row; dates as Excel dates (one as
'dd/mm/yyyy' text), money as numbers (some as '£1,234.56' text), CRNs that lost their leading
zeros, postcodes with and without the space, 'St. Helens' spelt with a point, a local authority
given by its code. The CSV export has the same columns, all as text.

Seventeen good participants in six projects: Liverpool City Region boroughs and elsewhere, two
withdrawn, every enterprise size class (and one published only as "SME", one with no size).
The totals the tests expect are worked out by hand from the table below.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from northstar.funding.layout import PUBLISHED_COLUMNS

D = Decimal
COMPETITIONS = {
    "C1": (
        "1810_CRD_HEALTH",
        "Health tech collaborative R&D round 1",
        "Collaborative R&D",
        "Health and Life Sciences",
    ),
    "C2": ("2003_SMART_JAN20", "Smart grants: January 2020", "Smart", "Open"),
    "C3": (
        "1707_ISCF_NZFEAS",
        "Net zero industry feasibility studies",
        "Industrial Strategy Challenge Fund",
        "Energy",
    ),
}
# number: (title, competition, start, end, status)
PROJECTS = {
    10001: ("Paediatric sensor patch", "C1", dt.date(2019, 4, 1), dt.date(2021, 3, 31), "Live"),
    10002: (
        "Anti-fouling hull coatings",
        "C1",
        dt.date(2019, 3, 31),
        dt.date(2020, 9, 30),
        "Closed",
    ),
    10003: (
        "Float glass heat recovery",
        "C2",
        dt.date(2020, 6, 15),
        dt.date(2021, 6, 14),
        "Closed",
    ),
    10004: (
        "Low-carbon sensor networks",
        "C3",
        dt.date(2017, 10, 1),
        dt.date(2018, 9, 30),
        "Closed",
    ),
    10005: ("Rapid diagnostics platform", "C2", dt.date(2022, 1, 10), dt.date(2023, 1, 9), "Live"),
    10006: ("Quantum-safe networking", "C3", dt.date(2023, 5, 1), dt.date(2025, 4, 30), "Live"),
}
NW, YH = "North West", "Yorkshire and The Humber"
LCR_LEP = "Liverpool City Region"
# (project, name, CRN as the file holds it, lead, size label, award £, total costs £, actual
#  spend £, withdrawn, postcode, region, LEP, local authority)
PARTICIPANTS = [
    (
        10001,
        "Mersey Medtech Ltd",
        1234567,
        "Yes",
        "Micro",
        D("100000"),
        D("142857.14"),
        D("50000"),
        "No",
        "L3 5TF",
        NW,
        LCR_LEP,
        "Liverpool",
    ),
    (
        10001,
        "University of Liverpool",
        "RC000653",
        "No",
        "Academic",
        D("250000"),
        D("250000"),
        D("120000.50"),
        "No",
        "L69 3BX",
        NW,
        LCR_LEP,
        "Liverpool",
    ),
    (
        10001,
        "Manchester Devices Ltd",
        "09876543",
        "No",
        "Small",
        D("80000"),
        D("114285.71"),
        None,
        "No",
        "M1 1AE",
        NW,
        "Greater Manchester",
        "Manchester",
    ),
    (
        10002,
        "Wirral Coatings Limited",
        "04567890",
        "Yes",
        "Medium",
        D("120000.50"),
        D("200000.84"),
        D("120000.50"),
        "No",
        "CH411AA",
        NW,
        LCR_LEP,
        "Wirral",
    ),
    (
        10002,
        "Big Pharma plc",
        12345,
        "No",
        "Large",
        D("300000"),
        D("600000"),
        D("300000"),
        "No",
        "SK10 4TG",
        NW,
        "Cheshire and Warrington",
        "Cheshire East",
    ),
    (
        10003,
        "St Helens Glass Ltd",
        "07654321",
        "Yes",
        "Small",
        D("50000"),
        D("71428.57"),
        D("50000"),
        "No",
        "wa10 1aa",
        NW,
        LCR_LEP,
        "St. Helens",
    ),
    (
        10003,
        "Halton Hydrogen Ltd",
        "11223344",
        "No",
        "Micro",
        D("40000"),
        D("57142.86"),
        D("0"),
        "Yes",
        "WA7 1AB",
        NW,
        LCR_LEP,
        "Halton",
    ),
    (
        10004,
        "Sefton Sensors Ltd",
        "05556667",
        "Yes",
        "Medium",
        D("75000"),
        D("107142.86"),
        D("75000"),
        "No",
        "PR8 1AA",
        NW,
        LCR_LEP,
        "Sefton",
    ),
    (
        10004,
        "Knowsley Metropolitan Borough Council",
        "",
        "No",
        "Public Sector, charity or non Profit",
        D("20000"),
        D("20000"),
        D("20000"),
        "No",
        "L36 9UX",
        NW,
        LCR_LEP,
        "Knowsley",
    ),
    (
        10004,
        "Leeds Robotics Ltd",
        "08889990",
        "No",
        "Large",
        D("60000"),
        D("120000"),
        D("60000"),
        "No",
        "LS1 4AP",
        YH,
        "Leeds City Region",
        "Leeds",
    ),
    (
        10005,
        "Mersey Medtech Ltd",
        "01234567",
        "Yes",
        "Micro",
        D("30000"),
        D("42857.14"),
        D("10000"),
        "No",
        "L3 5TF",
        NW,
        LCR_LEP,
        "Liverpool",
    ),
    (
        10005,
        "Liverpool School of Tropical Medicine",
        "",
        "No",
        "Academic",
        D("90000"),
        D("90000"),
        D("30000"),
        "No",
        "L3 5QA",
        NW,
        LCR_LEP,
        "Liverpool",
    ),
    (
        10005,
        "Chester Catalysts Ltd",
        "10101010",
        "No",
        "Small",
        D("10000"),
        D("14285.71"),
        D("2000"),
        "No",
        "CH1 4BJ",
        NW,
        "Cheshire and Warrington",
        "",
    ),
    (
        10006,
        "Liverpool Quantum Ltd",
        "12121212",
        "Yes",
        "Micro",
        D("500000"),
        D("714285.71"),
        D("100000"),
        "No",
        "L3 4AD",
        NW,
        LCR_LEP,
        "E08000012",
    ),
    (
        10003,
        "Sefton Software Ltd",
        "13131313",
        "No",
        "SME",
        D("25000"),
        D("35714.29"),
        D("25000"),
        "No",
        "L20 3NJ",
        NW,
        LCR_LEP,
        "Sefton",
    ),
    (
        10005,
        "Wirral Wind Ltd",
        "14141414",
        "No",
        "Small",
        D("35000"),
        D("50000"),
        D("0"),
        "Yes",
        "CH62 3PL",
        NW,
        LCR_LEP,
        "Wirral",
    ),
    (
        10005,
        "Anon Org",
        "",
        "No",
        "",
        D("5000"),
        D("5000"),
        None,
        "No",
        "L1 8JQ",
        NW,
        LCR_LEP,
        "Liverpool",
    ),
]
# Participants whose cells the xlsx holds as text rather than as an Excel date / number.
TEXT_DATE_IN_XLSX = {"Wirral Coatings Limited"}
TEXT_MONEY_IN_XLSX = {"Wirral Coatings Limited", "University of Liverpool"}

# The row of the header, and of the first participant, in each file.
XLSX_HEADER_ROW = 5
CSV_HEADER_ROW = 1
CSV_NOTES_HEADER_ROW = 4


def participant_rows(participants=PARTICIPANTS) -> list[dict]:
    """Each participant as a row of the published columns (Python values: dates, Decimals)."""
    rows = []
    for (
        number,
        name,
        crn,
        lead,
        size,
        award,
        costs,
        spend,
        withdrawn,
        postcode,
        region,
        lep,
        la,
    ) in participants:
        title, comp, start, end, status = PROJECTS[number]
        reference, comp_title, programme, sector = COMPETITIONS[comp]
        row = dict.fromkeys(PUBLISHED_COLUMNS, "")
        row.update(
            {
                "Competition Reference": reference,
                "Competition Title": comp_title,
                "Programme Title": programme,
                "Sector": sector,
                "Application Number": number + 50000,
                "Project Number": number,
                "Project Title": title,
                "Public Description": f"{title}: a project.\nSecond line of the description.",
                "Competition Year": f"{start.year}",
                "Innovate UK Product Type": "Grant",
                "Participant Name": name,
                "CRN": crn,
                "Is Lead Participant": lead,
                "Project Start Date": start,
                "Project End Date": end,
                "Award Offered (£)": award,
                "Total Costs (£)": costs,
                "Actual Spend to Date (£)": spend,
                "Participant Withdrawn From Project": withdrawn,
                "Project Status": status,
                "Enterprise Size": size,
                "Postcode": postcode,
                "Address Region": region,
                "Address LEP": lep,
                "Address Local Authority": la,
                "In Multiple LEPs": "No",
                "Industrial Strategy Challenge Fund (ISCF)": "Yes" if comp == "C3" else "No",
            }
        )
        rows.append(row)
    return rows


GOOD = participant_rows()


def _base(**cells) -> dict:
    row = dict(participant_rows(PARTICIPANTS[:1])[0])
    row["Participant Name"] = "Bad Row Ltd"
    row["CRN"] = "99999999"
    row.update(cells)
    return row


# Each bad row and the column and reason (a fragment) its error must name.
BAD = [
    (_base(**{"Award Offered (£)": "£12,34x"}), "Award Offered (£)", "not an amount of money"),
    (_base(**{"Project Start Date": "31/02/2020"}), "Project Start Date", "not a date"),
    (_base(**{"Is Lead Participant": "Maybe"}), "Is Lead Participant", "not Yes or No"),
    (_base(**{"Enterprise Size": "Gigantic"}), "Enterprise Size", "not an enterprise size"),
    (_base(CRN="123456789"), "CRN", "not a company registration number"),
    (_base(**{"Participant Name": ""}), "Participant Name", "the cell is empty"),
    (_base(**{"Award Offered (£)": "-500"}), "Award Offered (£)", "negative"),
    (
        _base(**{"Participant Withdrawn From Project": "Perhaps"}),
        "Participant Withdrawn From Project",
        "not Yes or No",
    ),
]
# One row with two problems: both are reported, on the same line.
TWO_PROBLEMS = _base(**{"Project Number": "", "Total Costs (£)": "lots"})


def _csv_value(column: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        if column == "Award Offered (£)":
            return f"£{value:,.2f}"
        if column == "Total Costs (£)":
            return f"{value:,.2f}"
        return f"{value}"
    return str(value)


def write_csv(
    path: Path,
    rows: list[dict] | None = None,
    *,
    notes: bool = False,
    encoding: str = "utf-8",
    crlf: bool = False,
) -> Path:
    """The CSV export of the layout: every cell as text, dates dd/mm/yyyy, money with £ and
    thousands separators. `notes` puts a title and notes area above the header (header on row
    CSV_NOTES_HEADER_ROW)."""
    rows = GOOD if rows is None else rows
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n" if crlf else "\n")
        if notes:
            writer.writerow(
                ["Innovate UK funded projects since 2004 (fixture written by Northstar)"]
            )
            writer.writerow(["Notes: award offered is the grant offered to the participant (£)."])
            writer.writerow([])
        writer.writerow(PUBLISHED_COLUMNS)
        for row in rows:
            writer.writerow([_csv_value(c, row.get(c)) for c in PUBLISHED_COLUMNS])
    return path


def _xlsx_value(row: dict, column: str):
    value = row.get(column)
    name = row.get("Participant Name")
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        if column == "Project Start Date" and name in TEXT_DATE_IN_XLSX:
            return value.strftime("%d/%m/%Y")
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, Decimal):
        if name in TEXT_MONEY_IN_XLSX:
            return f"£{value:,.2f}"
        return float(value)
    return value


def write_xlsx(
    path: Path, rows: list[dict] | None = None, *, sheet_title: str = "IUK funded projects"
) -> Path:
    """The workbook: a notes sheet first, then the data sheet with two title/notes rows and a
    blank row above the header (header on row XLSX_HEADER_ROW)."""
    rows = GOOD if rows is None else rows
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Innovate UK funded projects since 2004 (fixture written by Northstar)"])
    notes.append(["Each row is one participant in one project."])
    sheet = book.create_sheet(sheet_title)
    sheet.append(["Innovate UK funded projects"])
    sheet.append(["Data as at 1 January 2024. Award offered in £."])
    sheet.append([])
    sheet.append([])
    sheet.append(list(PUBLISHED_COLUMNS))
    for row in rows:
        sheet.append([_xlsx_value(row, c) for c in PUBLISHED_COLUMNS])
    for cells in sheet.iter_rows(min_row=XLSX_HEADER_ROW + 1):
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd/mm/yyyy"
    book.save(path)
    return path
