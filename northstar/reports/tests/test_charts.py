"""The report's charts: the static asset map (pure SVG), and the Vega-Lite charts drawn to SVG
by vl-convert for the PDF."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from northstar.reports import charts

SVG = "{http://www.w3.org/2000/svg}"
# A unit square of a borough: longitude −3 to −2, latitude 53 to 54.
SQUARE = {"type": "Polygon", "coordinates": [[[-3, 53], [-2, 53], [-2, 54], [-3, 54], [-3, 53]]]}


def test_bounds_and_inside():
    two = {
        "type": "MultiPolygon",
        "coordinates": [SQUARE["coordinates"], [[[-1, 52], [0, 52], [0, 53], [-1, 52]]]],
    }
    assert charts.bounds([two]) == (-3, 52, 0, 54)
    assert charts.bounds([]) is None
    assert charts.inside((-3, 53, -2, 54), 53.5, -2.5)
    assert not charts.inside((-3, 53, -2, 54), 53.5, -1.9)


def test_the_map_projects_points_onto_the_boundaries():
    svg = charts.map_svg(
        [{"name": "Square & Co", "geometry": SQUARE, "label_at": [53.5, -2.5]}],
        [[53.5, -2.5, "#d55e00", 1], [53.0, -3.0, "#d55e00", 4], [60.0, 0.0, "#0072b2", 1]],
        width=212,
        label="A test map",
    )
    root = ET.fromstring(svg)  # well-formed XML
    assert root.get("aria-label") == "A test map"
    # 188 px (212 less 12 each side) for 1° of longitude × cos(53.5°) ≈ 0.5948, so 316.1 px
    # for 1° of latitude; the height is that and the padding.
    assert root.get("width") == "212"
    assert root.get("height") == "340"
    boundary, points = root.findall(f"{SVG}path")
    # The square's corners: south-west at the bottom left, north-east at the top right.
    assert boundary.get("d") == "M12.0,328.1L200.0,328.1L200.0,12.0L12.0,12.0L12.0,328.1Z"
    # Two circles in one path (the point outside the boundaries' box is not drawn): the first
    # centred at the middle (r 3.5), the second at the south-west corner, larger for 4 assets.
    circles = re.findall(r"M([\d.]+),([\d.]+)a([\d.]+)", points.get("d"))
    assert [(round(float(x) + float(r), 1), float(y), float(r)) for x, y, r in circles] == [
        (106.0, 170.0, 3.5),
        (12.0, 328.1, 6.1),  # r = 3.5 + 1.5 × √3
    ]
    assert points.get("fill") == "#d55e00"
    names = [t.text for t in root.findall(f"{SVG}text")]
    assert names == ["Square & Co", "Square & Co"]  # the halo, then the name


def test_no_boundaries_no_map():
    assert charts.map_svg([], [[53.5, -2.5, "#000000", 1]]) == ""


def test_the_charts_draw_as_svg_with_their_labels():
    rag = charts.rag_chart(
        [
            {"theme": "1. Data", "rating": "Red", "count": 2},
            {"theme": "1. Data", "rating": "Green", "count": 5},
            {"theme": "2. Business", "rating": "Amber", "count": 1},
        ]
    )
    drawn = charts.svg(rag)
    assert drawn.startswith("<svg")
    for text in ("1. Data", "2. Business", "Actions"):
        assert text in drawn
    assert charts.svg(rag) is drawn  # the same spec is drawn once
    delivery = charts.svg(charts.delivery_chart([{"label": "IGAP: Jobs", "percent": 40.0}]))
    assert "IGAP: Jobs" in delivery and "Dashed line at 100%" in delivery
    assert charts.for_print(rag)["width"] == charts.PDF_CHART_WIDTH
    assert rag["width"] == "container"  # the web's spec is left as it was


def test_many_positions_are_thinned_to_one_dot_per_grid_square():
    few = [[53.4, -2.9, "#aa0000", 1], [53.5, -2.8, "#00aa00", 2]]
    assert charts.thin_points(few, 2, []) == (few, None)
    # Five positions in two squares of 0.005°: (53.400–53.405, −2.905–−2.900) holds three
    # (two red, one blue: red wins, the mean position of all three); another holds two blue.
    many = [
        [53.4010, -2.9040, "#aa0000", 1],
        [53.4020, -2.9030, "#aa0000", 1],
        [53.4040, -2.9010, "#0000aa", 1],
        [53.4510, -2.8510, "#0000aa", 1],
        [53.4530, -2.8530, "#0000aa", 1],
    ]
    thinned, cell = charts.thin_points(many, 2, ["#0000aa", "#aa0000"])
    assert cell == 0.005
    assert thinned == [
        [
            round((53.401 + 53.402 + 53.404) / 3, 4),
            round((-2.904 - 2.903 - 2.901) / 3, 4),
            "#aa0000",
            3,
        ],
        [53.452, -2.852, "#0000aa", 2],
    ]
    # A tie goes to the earlier theme; too many squares doubles the square until few enough.
    tie = [[53.4010, -2.9040, "#aa0000", 1], [53.4020, -2.9030, "#0000aa", 1]]
    assert charts.thin_points(tie, 1, ["#0000aa", "#aa0000"])[0][0][2] == "#0000aa"
    # One dot for all five: 0.005° doubled to 0.64°, the first square (of latitude 53.12–53.76)
    # holding 53.401 and 53.453 alike (0.32°: 53.44 splits them).
    assert charts.thin_points(many, 1, [])[1] == 0.64
    assert sum(p[3] for p in charts.thin_points(many, 1, [])[0]) == 5
