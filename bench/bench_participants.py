"""Benchmark of the Innovate UK participant importer and analysis at 500,000 participants.

It writes a synthetic participant file in the published layout (deterministic: a fixed seed) —
the CSV export and, with --xlsx-rows, a workbook with a notes area above the header — then, in
the same run:

1. the floor: DuckDB's plain read of the same CSV (`select count(*) from read_csv_auto(...)`),
   and, for reference, Polars' plain read of it as text and DuckDB typing its figures and dates
   and storing the rows in a table on disk (`duckdb_typed_load`);
2. for each database (SQLite file and/or PostgreSQL database `iuk_bench`, each fresh): a child
   process migrates and loads the Liverpool City Region (and, with --geography full, the
   default, imports the ONS ITL2/ITL3/LAD boundary files: every UK local authority, linked to
   its ITL3 area); another child imports the file with
   `run_import` (the path `northstar import` takes) and reports wall time per phase (read +
   validate, write) and its peak RSS (getrusage ru_maxrss of that process, which runs nothing
   else); a third times the analysis services over the 500,000 rows (p50/p95/max of repeated
   calls, after a warm-up);
3. optionally re-imports the same file (idempotence: same counts) and imports the workbook.

Targets (from the issue): import ≤ 3× the DuckDB floor, ≤ 1.5 GB peak RSS; analysis p95 ≤ 100 ms.
It prints a Markdown table and writes bench/results/<date>-participants.json (git-ignored).

    .venv/bin/python bench/bench_participants.py [--rows 500000] [--database sqlite|postgres|both]
                                                 [--xlsx-rows 0] [--reimport] [--repeat 30]
                                                 [--geography full|lcr] [--analysis-only]

Only 127.0.0.1 (PostgreSQL) is contacted; files go to var/bench/.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
from _common import PYTHON, REPO_DIR, RESULTS_DIR, VAR_DIR, percentile, rss_mib

sys.path.insert(0, str(REPO_DIR))
SQLITE_FILE = VAR_DIR / "northstar-bench-participants.sqlite3"
PG_DATABASE = "iuk_bench"
PG_URL = _common.pg_url(PG_DATABASE)
SEED = 20240401
DATASET = "innovate-uk-funded-projects"

TARGET_FLOOR_RATIO = 3.0
TARGET_RSS_MB = 1536
TARGET_P95_MS = 100.0

# --------------------------------------------------------------------------------------------
# The synthetic file, in the published layout.
# --------------------------------------------------------------------------------------------

LCR_LAS = ["Liverpool", "Wirral", "Sefton", "St. Helens", "Knowsley", "Halton"]
LCR_POSTCODE_AREAS = {
    "Liverpool": ["L1", "L3", "L7", "L8", "L17", "L24"],
    "Wirral": ["CH41", "CH43", "CH62"],
    "Sefton": ["L20", "L21", "PR8", "PR9"],
    "St. Helens": ["WA9", "WA10", "WA11"],
    "Knowsley": ["L34", "L36", "L35"],
    "Halton": ["WA7", "WA8"],
}
OTHER_LAS = [
    ("Manchester", "North West", "Greater Manchester", "M1"),
    ("Salford", "North West", "Greater Manchester", "M5"),
    ("Cheshire East", "North West", "Cheshire and Warrington", "SK10"),
    ("Cheshire West and Chester", "North West", "Cheshire and Warrington", "CH1"),
    ("Warrington", "North West", "Cheshire and Warrington", "WA1"),
    ("Lancaster", "North West", "Lancashire", "LA1"),
    ("Leeds", "Yorkshire and The Humber", "Leeds City Region", "LS1"),
    ("Sheffield", "Yorkshire and The Humber", "Sheffield City Region", "S1"),
    ("Newcastle upon Tyne", "North East", "North East", "NE1"),
    ("Birmingham", "West Midlands", "Greater Birmingham and Solihull", "B1"),
    ("Coventry", "West Midlands", "Coventry and Warwickshire", "CV1"),
    ("Nottingham", "East Midlands", "D2N2", "NG1"),
    ("Cambridge", "East of England", "Greater Cambridge and Greater Peterborough", "CB2"),
    ("Norwich", "East of England", "New Anglia", "NR1"),
    ("Westminster", "London", "London", "W1"),
    ("Camden", "London", "London", "NW1"),
    ("Tower Hamlets", "London", "London", "E14"),
    ("Southwark", "London", "London", "SE1"),
    ("Oxford", "South East", "Oxfordshire", "OX1"),
    ("Reading", "South East", "Thames Valley Berkshire", "RG1"),
    ("Southampton", "South East", "Solent", "SO14"),
    ("Bristol, City of", "South West", "West of England", "BS1"),
    ("Exeter", "South West", "Heart of the South West", "EX1"),
    ("Cardiff", "Wales", "", "CF10"),
    ("City of Edinburgh", "Scotland", "", "EH1"),
    ("Glasgow City", "Scotland", "", "G1"),
    ("Belfast", "Northern Ireland", "", "BT1"),
]
SIZES = [
    ("Micro", 30),
    ("Small", 25),
    ("Medium", 12),
    ("Large", 13),
    ("Academic", 15),
    ("Public Sector, charity or non Profit", 5),
]
PROGRAMMES = [f"Programme {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(40)] + [
    "Smart",
    "Collaborative R&D",
    "Industrial Strategy Challenge Fund",
    "Knowledge Transfer Partnership",
]
SECTORS = [
    "Health and Life Sciences",
    "Energy",
    "Manufacturing, Materials and Mobility",
    "Digital and Creative",
    "Open",
    "Agriculture and Food",
    "Built Environment",
    "Space",
    "Transport",
    "Infrastructure Systems",
    "Emerging Technologies",
    "Cross Sector",
]
WORDS = [
    "advanced",
    "low",
    "carbon",
    "sensor",
    "platform",
    "digital",
    "twin",
    "hydrogen",
    "battery",
    "quantum",
    "materials",
    "diagnostics",
    "manufacturing",
    "robotics",
    "autonomous",
    "maritime",
    "infection",
    "vaccine",
    "data",
    "analytics",
    "machine",
    "learning",
    "coatings",
    "glass",
    "recycling",
    "circular",
    "supply",
    "chain",
    "feasibility",
    "demonstrator",
    "prototype",
    "clinical",
    "trial",
    "pathway",
    "network",
    "resilient",
    "offshore",
    "wind",
    "heat",
    "recovery",
]


SYLLABLES = [
    "ka",
    "lo",
    "ve",
    "ri",
    "sa",
    "tor",
    "min",
    "del",
    "qua",
    "zen",
    "por",
    "bri",
    "fen",
    "gal",
    "ox",
    "ty",
    "ru",
    "mex",
    "nor",
    "lin",
    "cas",
    "par",
    "dov",
]
NAME_ENDINGS = ["Ltd", "Limited", "Technologies Ltd", "Systems Ltd", "Bio Ltd", "plc", "Labs Ltd"]
INSTITUTES = ["University", "Institute", "Research Centre", "NHS Foundation Trust", "Council"]


def coined_name(rng: random.Random) -> str:
    """A made-up organisation name ('Kalover Brisator'), varied as real names are."""
    words = []
    for _ in range(rng.choice((1, 2, 2, 3))):
        words.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).title())
    return " ".join(words)


def money(rng: random.Random, low: int, high: int) -> tuple[int, str]:
    """Pence and the text the export holds: '£12,345.67' (sometimes whole pounds)."""
    pounds = rng.randint(low, high)
    pence = 0 if rng.random() < 0.7 else rng.randint(0, 99)
    total = pounds * 100 + pence
    return total, f"£{pounds:,}.{pence:02d}"


def organisations(rng: random.Random, count: int) -> list[dict]:
    orgs = []
    sizes, weights = zip(*SIZES, strict=True)
    for _ in range(count):
        in_lcr = rng.random() < 0.06
        if in_lcr:
            la = rng.choice(LCR_LAS)
            region, lep, district = (
                "North West",
                "Liverpool City Region",
                rng.choice(LCR_POSTCODE_AREAS[la]),
            )
        else:
            la, region, lep, district = rng.choice(OTHER_LAS)
        size = rng.choices(sizes, weights)[0]
        if size in ("Academic", "Public Sector, charity or non Profit") or rng.random() < 0.15:
            crn = ""
        else:
            number = rng.randint(100_000, 13_999_999)
            crn = str(number) if rng.random() < 0.3 else f"{number:08d}"  # leading zeros lost
        postcode = f"{district}{rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        if rng.random() < 0.5:
            postcode = postcode[:-3] + " " + postcode[-3:]
        word = coined_name(rng)
        orgs.append(
            {
                "name": f"{word} {rng.choice(NAME_ENDINGS)}"
                if crn
                else f"{word} {rng.choice(INSTITUTES)}",
                "crn": crn,
                "size": size,
                "postcode": postcode,
                "la": la,
                "region": region,
                "lep": lep,
            }
        )
    return orgs


def generate_rows(rows: int, seed: int = SEED):
    """Yield (published row as text) for `rows` participants; deterministic for a seed."""
    from northstar.funding.layout import PUBLISHED_COLUMNS

    rng = random.Random(seed)
    orgs = organisations(rng, max(1000, rows // 8))
    competitions = []
    for i in range(max(50, rows // 170)):
        year = rng.randint(2004, 2023)
        programme = rng.choice(PROGRAMMES)
        competitions.append(
            (
                f"{year % 100:02d}{rng.randint(1, 12):02d}_{programme[:4].upper().replace(' ', '')}_{i}",
                f"{' '.join(rng.choice(WORDS) for _ in range(4)).capitalize()} competition {i}",
                programme,
                rng.choice(SECTORS),
                year,
            )
        )
    weights = [1 / (k + 1) ** 0.6 for k in range(len(orgs))]  # some organisations win often
    order = list(range(len(orgs)))
    produced, number = 0, 10_000_000
    while produced < rows:
        number += 1
        ref, comp_title, programme, sector, year = rng.choice(competitions)
        start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 500))
        start = min(start, dt.date(2024, 3, 31))
        end = start + dt.timedelta(days=rng.randint(180, 1100))
        status = "Live" if end > dt.date(2024, 1, 1) else "Closed"
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()
        description = " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 45)))
        if rng.random() < 0.05:
            description += ', "quoted", and\na second line'
        team = rng.choices(
            order, weights, k=min(rows - produced, rng.choice((1, 1, 1, 2, 2, 3, 4, 6)))
        )
        for position, index in enumerate(team):
            org = orgs[index]
            award, award_text = money(rng, 5_000, 2_000_000)
            costs_pence = award * rng.choice((1, 1, 10, 14, 20)) // 10
            costs_text = f"{costs_pence // 100:,}.{costs_pence % 100:02d}"
            spend_text = "" if rng.random() < 0.1 else f"{rng.randint(0, award // 100)}"
            withdrawn = "Yes" if rng.random() < 0.03 else "No"
            values = {
                "Competition Reference": ref,
                "Competition Title": comp_title,
                "Programme Title": programme,
                "Sector": sector,
                "Application Number": str(number + 5_000_000),
                "Project Number": str(number),
                "Project Title": title,
                "Public Description": description,
                "Competition Year": str(year),
                "Innovate UK Product Type": "Grant",
                "Participant Name": org["name"],
                "CRN": org["crn"],
                "Is Lead Participant": "Yes" if position == 0 else "No",
                "Project Start Date": start.strftime("%d/%m/%Y"),
                "Project End Date": end.strftime("%d/%m/%Y"),
                "Award Offered (£)": award_text,
                "Total Costs (£)": costs_text,
                "Actual Spend to Date (£)": spend_text,
                "Participant Withdrawn From Project": withdrawn,
                "Project Status": status,
                "Enterprise Size": org["size"],
                "Postcode": org["postcode"],
                "Address Region": org["region"],
                "Address LEP": org["lep"],
                "Address Local Authority": org["la"],
                "In Multiple LEPs": "No",
                "Industrial Strategy Challenge Fund (ISCF)": "Yes"
                if "Strategy" in programme
                else "No",
            }
            yield [values[c] for c in PUBLISHED_COLUMNS]
            produced += 1


def write_csv(path: Path, rows: int) -> None:
    from northstar.funding.layout import PUBLISHED_COLUMNS

    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(PUBLISHED_COLUMNS)
        writer.writerows(generate_rows(rows))


def write_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    from northstar.funding.layout import PUBLISHED_COLUMNS

    book = Workbook(write_only=True)
    notes = book.create_sheet("Notes")
    notes.append(["Innovate UK funded projects (synthetic benchmark file written by Northstar)"])
    sheet = book.create_sheet("Funded projects")
    sheet.append(["Innovate UK funded projects"])
    sheet.append(["Synthetic data for a benchmark; the layout of the published workbook."])
    sheet.append([])
    sheet.append(list(PUBLISHED_COLUMNS))
    start = PUBLISHED_COLUMNS.index("Project Start Date")
    end = PUBLISHED_COLUMNS.index("Project End Date")
    award = PUBLISHED_COLUMNS.index("Award Offered (£)")
    for row in generate_rows(rows):
        for i in (start, end):  # as Excel dates
            d, m, y = row[i].split("/")
            row[i] = dt.datetime(int(y), int(m), int(d))
        row[award] = float(row[award].replace("£", "").replace(",", ""))  # as a number
        sheet.append(row)
    book.save(path)


# --------------------------------------------------------------------------------------------
# Child processes (inside Django, on the bench database).
# --------------------------------------------------------------------------------------------


BOUNDARY_DATASETS = ("ons-itl2-boundaries", "ons-itl3-boundaries", "ons-lad-boundaries")


def child_setup(geography: str) -> dict:
    """The database, the Liverpool City Region and, with geography 'full', every UK local
    authority and ITL area from the ONS boundary files (as `northstar import --present` loads
    them), so that participants everywhere are placed."""
    import django

    django.setup()
    from django.core.management import call_command

    from northstar.ingest.framework import all_importers, present_files, run_import
    from northstar.places.models import Place, PlaceLevel
    from northstar.places.services import ensure_itl_place, load_place

    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    load_place()
    loaded = []
    if geography == "full":
        for importer in all_importers():
            if importer.dataset in BOUNDARY_DATASETS:
                for path in present_files(importer):
                    run_import(importer, path)
                    loaded.append(importer.dataset)
        if len(loaded) < len(BOUNDARY_DATASETS):
            raise SystemExit(f"boundary files missing: only {loaded} under NORTHSTAR_DATA_DIR")
    else:
        north_west = ensure_itl_place("TLD", "North West")
        merseyside = ensure_itl_place("TLD7", "Merseyside")
        merseyside.parent = north_west
        merseyside.save()
    return {
        "setup_s": round(time.perf_counter() - t, 2),
        "geography": geography,
        "boundaries_imported": loaded,
        "lads": Place.objects.filter(level=PlaceLevel.LAD).count(),
    }


def child_import(path: str) -> dict:
    import django

    django.setup()
    from django.db import connection

    from northstar.funding.importers import InnovateUkParticipantsImporter
    from northstar.funding.models import Participation, Project
    from northstar.ingest.framework import run_import
    from northstar.organisations.models import Organisation, SourceRecord

    phases: dict[str, float] = {}

    class Timed(InnovateUkParticipantsImporter):
        def prepare(self, path, progress=None):
            t = time.perf_counter()
            try:
                return super().prepare(path, progress)
            finally:
                phases["read_validate_s"] = round(time.perf_counter() - t, 2)

        def write(self, rows, record):
            t = time.perf_counter()
            try:
                return super().write(rows, record)
            finally:
                phases["write_s"] = round(time.perf_counter() - t, 2)

    import northstar.organisations.services as org_services

    real_link = org_services.link_records

    def timed_link(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real_link(*args, **kwargs)
        finally:  # called once per slice of the file: added up
            spent = phases.get("link_organisations_s", 0) + time.perf_counter() - t
            phases["link_organisations_s"] = round(spent, 2)

    org_services.link_records = timed_link
    t = time.perf_counter()
    outcome = run_import(Timed(), path)
    wall = time.perf_counter() - t
    peak_rss_mb = rss_mib()  # this process's peak: it runs nothing else
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    phases["write_excluding_link_s"] = round(
        phases["write_s"] - phases.get("link_organisations_s", 0), 2
    )
    return {
        "wall_s": round(wall, 2),
        **phases,
        # Hashing the file, recording the Import and committing (PostgreSQL checks the deferred
        # foreign keys of every row written at COMMIT).
        "hash_record_commit_s": round(wall - phases["read_validate_s"] - phases["write_s"], 2),
        "peak_rss_mb": peak_rss_mb,
        "rows_read": outcome.rows_read,
        "rows_loaded": outcome.rows_loaded,
        "participations": Participation.objects.count(),
        "projects": Project.objects.count(),
        "organisations": Organisation.objects.count(),
        "source_records": SourceRecord.objects.filter(dataset=DATASET).count(),
        "placed": Participation.objects.filter(place__isnull=False).count(),
        "db_vendor": connection.vendor,
    }


ANALYSES = [
    (
        "LCR 2017-18..2021-22 by enterprise size",
        "liverpool-city-region",
        2017,
        2021,
        "enterprise-size",
    ),
    ("LCR 2017-18..2021-22 by programme", "liverpool-city-region", 2017, 2021, "programme"),
    ("LCR 2017-18..2021-22 by competition", "liverpool-city-region", 2017, 2021, "competition"),
    ("LCR by financial year (all years)", "liverpool-city-region", None, None, "financial-year"),
    ("LCR by local authority (all years)", "liverpool-city-region", None, None, "local-authority"),
    ("ITL2 TLD7 2017-18..2021-22 by enterprise size", "TLD7", 2017, 2021, "enterprise-size"),
    ("Everyone 2017-18..2021-22 by enterprise size", None, 2017, 2021, "enterprise-size"),
    ("Everyone (all years) by programme", None, None, None, "programme"),
    ("Everyone (all years) by local authority", None, None, None, "local-authority"),
    (
        "ITL1 TLD North West 2017-18..2021-22 by enterprise size",
        "TLD",
        2017,
        2021,
        "enterprise-size",
    ),
    ("ITL1 TLD North West 2017-18..2021-22 by programme", "TLD", 2017, 2021, "programme"),
]
# The participants page's summary (participant_summary: totals, distinct organisations and
# projects, leads, SMEs) for the same scopes; by=None marks them in the results.
SUMMARIES = [
    ("Summary: LCR 2017-18..2021-22", "liverpool-city-region", 2017, 2021, None),
    ("Summary: ITL1 TLD North West 2017-18..2021-22", "TLD", 2017, 2021, None),
    ("Summary: everyone 2017-18..2021-22", None, 2017, 2021, None),
    ("Summary: everyone (all years)", None, None, None, None),
]


def child_analysis(repeat: int) -> dict:
    import django

    django.setup()
    from northstar.funding.services import (
        FundingQuery,
        award_table,
        find_place,
        participant_summary,
    )

    def run(query, by):
        if by is None:
            summary = participant_summary(query)
            return {
                "participations": summary.participations,
                "organisations": summary.organisations,
            }
        table = award_table(query, by)
        return {"participations": table.total.participations, "lines": len(table.lines)}

    results = {}
    for label, place, first, last, by in ANALYSES + SUMMARIES:
        query = FundingQuery(
            place=find_place(place) if place else None, first_year=first, last_year=last
        )
        for _ in range(3):
            run(query, by)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            counts = run(query, by)
            times.append((time.perf_counter() - t) * 1000)
        results[label] = {**summarise(times), **counts}
    return results


# --------------------------------------------------------------------------------------------
# The parent process.
# --------------------------------------------------------------------------------------------


def summarise(times_ms: list[float]) -> dict:
    return {
        "n": len(times_ms),
        "p50_ms": round(percentile(times_ms, 50), 1),
        "p95_ms": round(percentile(times_ms, 95), 1),
        "max_ms": round(max(times_ms), 1),
    }


def bench_env(database: str) -> dict[str, str]:
    return _common.deploy_env(database, SQLITE_FILE, PG_DATABASE)


def fresh_database(database: str) -> None:
    _common.fresh_database(database, SQLITE_FILE, PG_DATABASE)


def run_child(database: str, *args: str, timeout: int = 3600) -> dict:
    """A child process on the database (killed after `timeout` s); the JSON of its last line."""
    try:
        run = _common.measured([PYTHON, __file__, "child", *args], bench_env(database), timeout)
    except RuntimeError as exc:
        sys.stderr.write(str(exc)[-10000:] + "\n")
        raise RuntimeError(f"child {args[0]} on {database} failed") from None
    return json.loads(run["stdout"].strip().splitlines()[-1])


def floors(csv_path: Path) -> dict:
    import duckdb
    import polars as pl

    out = {}
    for _ in range(2):  # the second run is the one kept: the file is in the page cache
        t = time.perf_counter()
        count = duckdb.sql(f"select count(*) from read_csv_auto('{csv_path}')").fetchall()[0][0]
        out["duckdb_count_s"] = round(time.perf_counter() - t, 3)
        out["duckdb_rows"] = count
    t = time.perf_counter()
    frame = pl.read_csv(csv_path, infer_schema=False)
    out["polars_read_text_s"] = round(time.perf_counter() - t, 3)
    out["polars_rows"] = frame.height
    out.update(duckdb_typed_load(csv_path))
    return out


def duckdb_typed_load(csv_path: Path) -> dict:
    """A reference beside the floor (not the issue's floor): DuckDB reading the file as text,
    typing the figures and dates as the importer does (pounds with '£' and thousands commas,
    dd/mm/yyyy dates, yes/no flags, postcodes without spaces), counting the cells that do not
    parse, and storing the rows in a table of a database file on disk, committed. What an import
    does beyond this is the organisations' linkage and the relational writes with their keys."""
    import duckdb

    database = VAR_DIR / "typed-load.duckdb"
    database.unlink(missing_ok=True)
    money = "try_cast(replace(replace(trim(\"{0}\"), '£', ''), ',', '') as decimal(14, 2))"
    date = "try_strptime(trim(\"{0}\"), '%d/%m/%Y')::date"
    flag = "lower(trim(\"{0}\")) in ('yes', 'y', 'true', '1')"
    typed = {
        "award": money.format("Award Offered (£)"),
        "total_costs": money.format("Total Costs (£)"),
        "spend": money.format("Actual Spend to Date (£)"),
        "start": date.format("Project Start Date"),
        "end": date.format("Project End Date"),
        "lead": flag.format("Is Lead Participant"),
        "withdrawn": flag.format("Participant Withdrawn From Project"),
        "postcode": "upper(replace(trim(\"Postcode\"), ' ', ''))",
    }
    text_columns = [
        "Competition Reference", "Competition Title", "Programme Title", "Sector",
        "Project Number", "Project Title", "Participant Name", "CRN", "Project Status",
        "Enterprise Size", "Address Region", "Address LEP", "Address Local Authority",
    ]  # fmt: skip
    select = ", ".join(
        [f'"{c}"' for c in text_columns] + [f"{sql} as {name}" for name, sql in typed.items()]
    )
    unparsed = (
        " + ".join(  # cells with text that did not parse: what an importer reports
            f"({typed[name]} is null and trim(\"{source}\") <> '')::int"
            for name, source in (
                ("award", "Award Offered (£)"),
                ("total_costs", "Total Costs (£)"),
                ("start", "Project Start Date"),
                ("end", "Project End Date"),
            )
        )
        + " + "
        + " + ".join(f"coalesce({typed[m]} < 0, false)::int" for m in ("award", "total_costs"))
    )
    times = []
    for _ in range(2):  # the second is kept, as for the floor
        database.unlink(missing_ok=True)
        t = time.perf_counter()
        with duckdb.connect(str(database)) as con:
            con.execute(
                f"create table participants as select {select}, {unparsed} as unparsed_cells "
                f"from read_csv('{csv_path}', all_varchar = true, header = true)"
            )
            counts = con.execute(
                "select sum(unparsed_cells), count(*) from participants"
            ).fetchone()
            con.commit()
        times.append(time.perf_counter() - t)
    database.unlink(missing_ok=True)
    return {
        "duckdb_typed_load_s": round(times[-1], 3),
        "duckdb_typed_load_rows": counts[1],
        "duckdb_typed_load_unparsed_cells": int(counts[0] or 0),
    }


def xlsx_floor(path: Path) -> dict:
    from openpyxl import load_workbook

    t = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for _ in book["Funded projects"].iter_rows(values_only=True))
    book.close()
    return {"openpyxl_iterate_s": round(time.perf_counter() - t, 2), "rows": rows}


def machine_info() -> dict:
    return _common.machine_info("polars", "duckdb")


def markdown(results: dict) -> str:
    floor = results["floor"]["duckdb_count_s"]
    typed_load = results["floor"]["duckdb_typed_load_s"]
    lines = [
        f"Geography: {results['geography']}. "
        f"Synthetic file: {results['rows']:,} participants, CSV {results['csv_mb']} MB"
        + (
            f"; xlsx {results['xlsx_rows']:,} rows, {results['xlsx_mb']} MB"
            if results.get("xlsx_mb")
            else ""
        ),
        f"Floor: DuckDB `count(*)` of `read_csv_auto` {floor:.2f} s; Polars read as text "
        f"{results['floor']['polars_read_text_s']:.2f} s; for reference, DuckDB typing and "
        f"storing the rows in a table on disk (`duckdb_typed_load`) {typed_load:.2f} s",
        "",
        "| Database | File | Import wall | read + validate | link organisations | other writes "
        "| hash + commit | × DuckDB floor (wall / read+validate) | wall × typed load "
        "| Peak RSS | Rows |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for database, r in results["databases"].items():
        for label, imp in r["imports"].items():
            ok_ratio = imp["read_validate_s"] / floor
            lines.append(
                f"| {database} | {label} | {imp['wall_s']:.1f} s | {imp['read_validate_s']:.1f} s | "
                f"{imp.get('link_organisations_s', 0):.1f} s | "
                f"{imp['write_excluding_link_s']:.1f} s | {imp['hash_record_commit_s']:.1f} s | "
                f"{imp['wall_s'] / floor:.0f}× / {ok_ratio:.1f}× | "
                f"{imp['wall_s'] / typed_load:.1f}× | "
                f"{imp['peak_rss_mb']:.0f} MB {'✓' if imp['peak_rss_mb'] <= TARGET_RSS_MB else '✗'} | "
                f"{imp['participations']:,} |"
            )
    lines += [
        "",
        "| Analysis (award_table; summaries: participant_summary) | "
        + " | ".join(f"{d} p50 / p95" for d in results["databases"])
        + " |",
        "| --- | " + " | ".join("---" for _ in results["databases"]) + " |",
    ]
    for label, *_ in ANALYSES + SUMMARIES:
        cells = []
        for r in results["databases"].values():
            a = r["analysis"][label]
            mark = "✓" if a["p95_ms"] <= TARGET_P95_MS else "✗"
            cells.append(f"{a['p50_ms']:.0f} / {a['p95_ms']:.0f} ms {mark}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "child":
        kind = argv[1]
        if kind == "setup":
            out = child_setup(argv[2])
        elif kind == "import":
            out = child_import(argv[2])
        else:
            out = child_analysis(int(argv[2]))
        print(json.dumps(out))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--xlsx-rows", type=int, default=0, help="also import a workbook of N rows")
    parser.add_argument("--reimport", action="store_true", help="import the CSV a second time")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per analysis")
    parser.add_argument(
        "--geography",
        choices=["full", "lcr"],
        default="full",
        help="full: import the ONS boundary files first (every UK LAD and ITL area); "
        "lcr: only the city region and its boroughs (the rest placed by published names)",
    )
    parser.add_argument(
        "--analysis-only",
        action="store_true",
        help="time the analysis over the database a previous run left (no set-up, no import)",
    )
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    if args.analysis_only:
        for database in databases:
            print(f"{database}:", flush=True)
            for label, a in run_child(database, "analysis", str(args.repeat)).items():
                print(f"  {label}: {a}", flush=True)
        return 0

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    csv_path = VAR_DIR / f"iuk-participants-{args.rows}.csv"
    results: dict = {
        "rows": args.rows,
        "geography": args.geography,
        "machine": machine_info(),
        "databases": {},
    }
    t = time.perf_counter()
    if not csv_path.exists():
        write_csv(csv_path, args.rows)
    results["generate_csv_s"] = round(time.perf_counter() - t, 1)
    results["csv_mb"] = round(csv_path.stat().st_size / 2**20, 1)
    print(f"CSV: {csv_path} ({results['csv_mb']} MB)", flush=True)
    xlsx_path = None
    if args.xlsx_rows:
        xlsx_path = VAR_DIR / f"iuk-participants-{args.xlsx_rows}.xlsx"
        if not xlsx_path.exists():
            t = time.perf_counter()
            write_xlsx(xlsx_path, args.xlsx_rows)
            results["generate_xlsx_s"] = round(time.perf_counter() - t, 1)
        results["xlsx_rows"] = args.xlsx_rows
        results["xlsx_mb"] = round(xlsx_path.stat().st_size / 2**20, 1)
        results["xlsx_floor"] = xlsx_floor(xlsx_path)
        print(f"xlsx: {xlsx_path} ({results['xlsx_mb']} MB) {results['xlsx_floor']}", flush=True)

    results["floor"] = floors(csv_path)
    print(f"floor: {results['floor']}", flush=True)

    for database in databases:
        fresh_database(database)
        r: dict = {"setup": run_child(database, "setup", args.geography), "imports": {}}
        print(f"{database} setup: {r['setup']}", flush=True)
        r["imports"]["CSV"] = run_child(database, "import", str(csv_path))
        print(f"{database} CSV import: {r['imports']['CSV']}", flush=True)
        if args.reimport:
            r["imports"]["CSV again"] = run_child(database, "import", str(csv_path))
            print(f"{database} CSV re-import: {r['imports']['CSV again']}", flush=True)
        r["analysis"] = run_child(database, "analysis", str(args.repeat))
        for label, a in r["analysis"].items():
            print(f"  {label}: {a}", flush=True)
        if xlsx_path is not None:
            r["imports"]["xlsx"] = run_child(database, "import", str(xlsx_path))
            print(f"{database} xlsx import: {r['imports']['xlsx']}", flush=True)
        results["databases"][database] = r

    table = markdown(results)
    print("\n" + table)
    out = RESULTS_DIR / f"{dt.date.today().isoformat()}-participants-{args.geography}.json"
    out.write_text(json.dumps({**results, "markdown": table}, indent=2), encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
