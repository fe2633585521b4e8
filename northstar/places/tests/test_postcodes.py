"""Postcodes: normalising, importing (checked, all or nothing), placing in LADs, and looking up."""

import gzip
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count
from hypothesis import given
from hypothesis import strategies as st

from northstar.core.errors import FileRejected, UserInputError
from northstar.ingest.framework import run_import
from northstar.ingest.models import Import, ImportStatus
from northstar.places.models import LadMethod, Place, Postcode, PostcodeDistrict
from northstar.places.services import (
    check_asset_boroughs,
    format_postcode,
    locate_postcode,
    normalise_district,
    normalise_postcode,
)

from .test_geography import ITL2_FILE, ITL3_FILE, LAD_FILE, load_made_up, load_real_geography

NSPL = settings.NORTHSTAR_DATA_DIR / "ons_postcodes_nspl"
DISTRICT_FILE = NSPL / "postcode_district_to_lad21_derived.csv"
needs_files = pytest.mark.skipif(
    not all(
        f.exists()
        for f in (ITL2_FILE, ITL3_FILE, LAD_FILE, DISTRICT_FILE, NSPL / "postcodes_L.csv.gz")
    ),
    reason=f"ONS boundary or postcode files not found under {settings.NORTHSTAR_DATA_DIR}",
)
HEADER = "Postcode,lat,long\n"
DISTRICTS_HEADER = "district,LAD21CD,LAD21NM,n_postcodes,share,is_majority\n"


# --- Normalising -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "written"),
    [
        ("WA101AA", "WA101AA", "WA10 1AA"),
        ("WA10 1AA", "WA101AA", "WA10 1AA"),
        ("l1 0aa", "L10AA", "L1 0AA"),
        ("  ch41\t1aa ", "CH411AA", "CH41 1AA"),
        ("EC1A 1BB", "EC1A1BB", "EC1A 1BB"),
    ],
)
def test_postcodes_are_normalised_with_or_without_spaces(text, code, written):
    assert normalise_postcode(text) == code
    assert format_postcode(code) == written


@pytest.mark.parametrize("text", ["", None, "L1", "WA10", "1AA", "L1 0AAA", "LLL1 0AA", "L1-0AA"])
def test_what_is_not_a_postcode_is_refused(text):
    assert normalise_postcode(text) is None


LETTER = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGIT = st.sampled_from("0123456789")
OUTWARD = st.tuples(
    st.lists(LETTER, min_size=1, max_size=2).map("".join),
    DIGIT,
    st.one_of(st.just(""), LETTER, DIGIT),
).map("".join)
INWARD = st.tuples(DIGIT, LETTER, LETTER).map("".join)


@st.composite
def written_forms(draw):
    """A postcode and a way someone might type it: any case, spaces anywhere (or none)."""
    code = draw(OUTWARD) + draw(INWARD)
    chars = [c.lower() if draw(st.booleans()) else c for c in code]
    gaps = [draw(st.sampled_from(["", "", " ", "  ", "\t"])) for _ in range(len(chars) + 1)]
    return code, gaps[0] + "".join(c + g for c, g in zip(chars, gaps[1:], strict=True))


@given(written_forms())
def test_any_way_of_writing_a_postcode_normalises_to_the_same_code(example):
    code, written = example
    assert normalise_postcode(written) == code
    assert normalise_postcode(format_postcode(code)) == code
    assert format_postcode(code).split() == [code[:-3], code[-3:]]
    assert normalise_district(code[:-3].lower()) == code[:-3]


@given(st.text(max_size=12))
def test_normalising_anything_gives_a_postcode_or_none(text):
    code = normalise_postcode(text)
    if code is not None:
        assert re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", code)
        assert code == "".join(text.split()).upper()


# --- Importing made-up files (on the made-up Merseyside of test_geography) -----------------


def csv_file(tmp_path: Path, name: str, lines: list[str], header: str = HEADER) -> Path:
    path = tmp_path / name
    content = (header + "".join(lines)).encode()
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    return path


POSTCODES = [
    "L1 0AA,53.40000,-2.92000\n",  # inside the Liverpool box
    "WA7 4QX,53.34000,-2.70000\n",  # inside Halton
    "CH411AA,53.36000,-3.20500\n",  # just east of the Wirral box, in no LAD: nearest is Wirral
    "CH269AG,,0.00000\n",  # terminated, no grid reference: its district's majority LAD
    "L99 9ZZ,53.60000,-3.60000\n",  # out at sea, far from every LAD, district unknown
]
DISTRICTS = [
    "CH26,E08000015,Wirral,132,1.0,True\n",
    "L1,E08000012,Liverpool,900,0.98,True\n",
    "L1,E08000011,Knowsley,2,0.02,False\n",
]


def test_postcodes_are_placed_by_boundary_then_nearest_then_district(db, tmp_path):
    load_made_up(tmp_path)
    run_import("postcode-districts-lad", csv_file(tmp_path, "d.csv", DISTRICTS, DISTRICTS_HEADER))
    outcome = run_import("ons-postcodes", csv_file(tmp_path, "postcodes_X.csv.gz", POSTCODES))
    assert outcome.rows_loaded == 5
    placed = {
        p.code: (p.lad.code if p.lad else None, p.lad_method)
        for p in Postcode.objects.select_related("lad")
    }
    assert placed == {
        "L10AA": ("E08000012", LadMethod.BOUNDARY),
        "WA74QX": ("E06000006", LadMethod.BOUNDARY),
        "CH411AA": ("E08000015", LadMethod.NEAREST),
        "CH269AG": ("E08000015", LadMethod.DISTRICT),
        "L999ZZ": (None, LadMethod.UNPLACED),
    }
    terminated = Postcode.objects.get(code="CH269AG")
    assert (terminated.published, terminated.latitude, terminated.longitude) == (
        "CH269AG",
        None,
        None,
    )
    assert terminated.formatted == "CH26 9AG"
    liverpool = Postcode.objects.get(code="L10AA")
    assert (liverpool.published, liverpool.area, liverpool.district) == ("L1 0AA", "L", "L1")
    assert (liverpool.latitude, liverpool.longitude) == (Decimal("53.40000"), Decimal("-2.92000"))
    # Knowsley came into being from the district table: a LAD known by code and name.
    assert Place.objects.get(code="E08000011").name == "Knowsley"


def test_postcodes_loaded_before_the_boundaries_are_placed_when_they_arrive(db, tmp_path):
    run_import("ons-postcodes", csv_file(tmp_path, "postcodes_X.csv", POSTCODES))
    assert set(Postcode.objects.values_list("lad_method", flat=True)) == {LadMethod.UNPLACED}
    run_import("postcode-districts-lad", csv_file(tmp_path, "d.csv", DISTRICTS, DISTRICTS_HEADER))
    assert Postcode.objects.get(code="L10AA").lad_method == LadMethod.DISTRICT
    load_made_up(tmp_path)
    assert Postcode.objects.get(code="L10AA").lad_method == LadMethod.BOUNDARY
    assert Postcode.objects.get(code="WA74QX").lad.code == "E06000006"
    assert Postcode.objects.get(code="CH269AG").lad_method == LadMethod.DISTRICT


def test_a_new_file_for_an_area_replaces_the_old_one(db, tmp_path):
    run_import("ons-postcodes", csv_file(tmp_path, "one.csv", POSTCODES))
    newer = ["L1 0AA,53.41000,-2.93000\n", "L1 0AB,53.40100,-2.92100\n"]
    run_import("ons-postcodes", csv_file(tmp_path, "two.csv", newer))
    # L postcodes are those of the newer file; the CH and WA postcodes are untouched.
    assert set(Postcode.objects.values_list("code", flat=True)) == {
        "L10AA",
        "L10AB",
        "WA74QX",
        "CH411AA",
        "CH269AG",
    }
    assert Postcode.objects.get(code="L10AA").latitude == Decimal("53.41000")
    before = list(Postcode.objects.values("code", "latitude", "longitude", "lad", "lad_method"))
    run_import("ons-postcodes", csv_file(tmp_path, "two.csv", newer))
    after = list(Postcode.objects.values("code", "latitude", "longitude", "lad", "lad_method"))
    assert after == before


def test_a_file_replaces_its_areas_postcodes_and_leaves_other_areas(db, tmp_path):
    """write_postcodes deletes the postcodes of the file's areas and writes the file's: a
    postcode kept, one moved, one new; areas the file does not cover stay as they were."""
    from northstar.ingest.framework import get_importer
    from northstar.places.importers import write_postcodes

    load_made_up(tmp_path)
    run_import("postcode-districts-lad", csv_file(tmp_path, "d.csv", DISTRICTS, DISTRICTS_HEADER))
    files = [
        POSTCODES,
        # L again: one kept, one moved (more decimals than stored), one new; CH and WA untouched
        ["L1 0AA,53.4100049,-2.9300051\n", "L1 0AB,53.40100,-2.92100\n"],
        ["WA7 4QX,53.34001,-2.70001\n"],
    ]
    importer = get_importer("ons-postcodes")
    for n, lines in enumerate(files):
        batch = importer.prepare(csv_file(tmp_path, f"{n}.csv", lines)).rows
        record = Import.objects.create(
            dataset="ons-postcodes", publisher="test", file_name=f"{n}.csv", sha256="0" * 64
        )
        assert write_postcodes(batch, record) == len(lines)
    stored = sorted(
        Postcode.objects.values_list(
            "code", "published", "area", "district", "latitude", "longitude",
            "source_import__file_name",
        )
    )  # fmt: skip
    assert [p[0] for p in stored] == ["CH269AG", "CH411AA", "L10AA", "L10AB", "WA74QX"]
    # Each area's postcodes come from the last file that covered it.
    assert [p[6] for p in stored] == ["0.csv", "0.csv", "1.csv", "1.csv", "2.csv"]
    assert stored[2][1:6] == ("L1 0AA", "L", "L1", Decimal("53.41000"), Decimal("-2.93001"))


@pytest.mark.parametrize(
    ("bad_line", "column", "reason"),
    [
        ("L1 0AD,53.4x,-2.92\n", "lat", "latitude '53.4x' is not a number"),
        ("L1 0AD,95.00000,-2.92\n", "lat", "latitude 95.00000 is outside the UK"),
        ("L1 0AD,53.40000,\n", "long", "longitude '' is not a number"),
        ("L1 0AD,53.40000,40.1\n", "long", "outside the UK"),
        ("L1 0AD,,-2.92\n", "long", "given without a latitude"),
        ("L1 0A,53.40000,-2.92\n", "Postcode", "'L1 0A' is not a postcode"),
        ("l10aa,53.40000,-2.92\n", "Postcode", "l10aa appears again"),
    ],
)
def test_a_bad_postcode_row_is_refused_with_its_line_and_nothing_changes(
    db, tmp_path, bad_line, column, reason
):
    run_import("ons-postcodes", csv_file(tmp_path, "first.csv", POSTCODES[:2]))
    before = list(Postcode.objects.values())
    lines = ["L1 0AA,53.40100,-2.92000\n", "L1 0AB,53.40000,-2.92000\n", bad_line]
    with pytest.raises(FileRejected) as caught:
        run_import("ons-postcodes", csv_file(tmp_path, "bad.csv", lines))
    [error] = caught.value.errors
    assert (error.line, error.column) == (4, column)
    assert reason in error.reason
    assert list(Postcode.objects.values()) == before
    rejected = Import.objects.get(status=ImportStatus.REJECTED)
    assert [(e.line, e.column) for e in rejected.row_errors.all()] == [(4, column)]


def test_a_postcode_file_without_its_columns_is_refused(db, tmp_path):
    with pytest.raises(UserInputError, match="lacks the column"):
        run_import("ons-postcodes", csv_file(tmp_path, "x.csv", ["L1 0AA,53.4\n"], "pcd,lat\n"))
    garbage = tmp_path / "postcodes.csv.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    with pytest.raises(UserInputError, match="cannot be read"):
        run_import("ons-postcodes", garbage)
    assert not Postcode.objects.exists()


@pytest.mark.parametrize(
    ("bad_line", "line", "column", "reason"),
    [
        ("CH26,E08000014,Sefton,5,0.4,True\n", 2, "is_majority", "2 majority LADs (lines 2, 5)"),
        ("CH27,E08000015,Wirral,5,0.4,False\n", 5, "is_majority", "CH27 has no majority LAD"),
        ("CH27,E08000015,Wirral,5,1.4,True\n", 5, "share", "not a share between 0 and 1"),
        ("CH27,E47000004,LCR,5,1,True\n", 5, "LAD21CD", "not a local authority district code"),
        ("CH27 1,E08000015,Wirral,5,1,True\n", 5, "district", "not a postcode district"),
        ("CH27,E08000015,Wirral,many,1,True\n", 5, "n_postcodes", "not a whole number"),
        ("CH27,E08000015,Wirral,5,1,maybe\n", 5, "is_majority", "not True or False"),
        ("L1,E08000012,Liverpool,5,0.1,False\n", 5, "LAD21CD", "appears again (first on line 3)"),
    ],
)
def test_a_bad_district_row_is_refused_and_nothing_changes(
    db, tmp_path, bad_line, line, column, reason
):
    with pytest.raises(FileRejected) as caught:
        run_import(
            "postcode-districts-lad",
            csv_file(tmp_path, "d.csv", [*DISTRICTS, bad_line], DISTRICTS_HEADER),
        )
    [error] = caught.value.errors
    assert (error.line, error.column) == (line, column)
    assert reason in error.reason
    assert not PostcodeDistrict.objects.exists() and not Place.objects.exists()


def test_looking_up_postcodes_and_districts(db, tmp_path):
    load_made_up(tmp_path)
    run_import("postcode-districts-lad", csv_file(tmp_path, "d.csv", DISTRICTS, DISTRICTS_HEADER))
    run_import("ons-postcodes", csv_file(tmp_path, "p.csv", POSTCODES))
    halton = locate_postcode("wa74qx")
    assert (halton.postcode, halton.precision, halton.lad.code) == (
        "WA7 4QX",
        "postcode",
        "E06000006",
    )
    assert (halton.itl3.code, halton.itl2.code, halton.itl1.code) == ("TLD71", "TLD7", "TLD")
    assert halton.city_region is None  # no place file loaded: Halton is in no combined authority
    assert (halton.latitude, halton.longitude) == (Decimal("53.34000"), Decimal("-2.70000"))
    district = locate_postcode("l1")
    assert (district.postcode, district.precision, district.lad.code) == (
        "L1",
        "district",
        "E08000012",
    )
    assert district.lad_method == LadMethod.DISTRICT
    # A postcode the files do not list is found by its district.
    assert locate_postcode("L1 9ZZ").lad.code == "E08000012"
    assert locate_postcode("M1 1AA") is None
    assert locate_postcode("not a postcode") is None


# --- The real files --------------------------------------------------------------------------


@needs_files
def test_the_real_postcodes_resolve_to_their_boroughs(db, lcr):
    load_real_geography()
    run_import("postcode-districts-lad", DISTRICT_FILE)
    started = time.perf_counter()
    for area in ("L", "WA"):
        run_import("ons-postcodes", NSPL / f"postcodes_{area}.csv.gz")
    seconds = time.perf_counter() - started
    print(f"L and WA postcodes ({Postcode.objects.count()} rows) imported in {seconds:.1f} s")
    assert Postcode.objects.count() == 43982 + 26161
    assert Postcode.objects.filter(latitude__isnull=True).count() == 1 + 127

    expected = {
        "L3 5TQ": ("Liverpool", "TLD72", "postcode"),
        "WA7 4QX": ("Halton", "TLD71", "postcode"),
        "WA10 1AA": ("St Helens", "TLD71", "postcode"),
        "CH41": ("Wirral", "TLD74", "district"),
        "PR8": ("Sefton", "TLD73", "district"),
    }
    for text, (lad, itl3, precision) in expected.items():
        where = locate_postcode(text)
        assert (where.lad.name, where.itl3.code, where.precision) == (lad, itl3, precision), text
        assert (where.itl2.code, where.city_region.code) == ("TLD7", "E47000004"), text

    # Placed by boundary as the derived district table was: the same counts, district by district.
    placed = {
        (r["district"], r["lad__code"]): r["n"]
        for r in Postcode.objects.exclude(latitude=None)
        .values("district", "lad__code")
        .annotate(n=Count("code"))
    }
    published = {
        (d.district, d.lad.code): d.postcodes
        for d in PostcodeDistrict.objects.filter(district__regex=r"^(L|WA)[0-9]").select_related(
            "lad"
        )
    }
    assert placed == published


@needs_files
def test_the_default_assets_lie_in_their_stated_boroughs(register):
    if not Place.objects.get(code="E08000012").has_boundary:
        pytest.skip("the LCR boundaries did not load")
    assert check_asset_boroughs() == []
    asset = register.filter(place__slug="liverpool", latitude__isnull=False).order_by("number")[0]
    wirral = Place.objects.get(slug="wirral")
    # Move it over the river to Birkenhead (without touching its history: a plain update).
    register.filter(pk=asset.pk).update(latitude=Decimal("53.39300"), longitude=Decimal("-3.01500"))
    [mismatch] = check_asset_boroughs()
    assert (mismatch.asset.pk, mismatch.stated.slug, mismatch.found) == (
        asset.pk,
        "liverpool",
        wirral,
    )
    assert 100 < mismatch.distance_m < 2000
