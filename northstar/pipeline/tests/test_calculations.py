"""Leverage ratios and totals against hand-worked examples."""

from decimal import Decimal as D

from northstar.pipeline.calculations import Funding, grand_total, leverage, overall_leverage, totals


def test_leverage_is_other_secured_funding_per_pound_of_ca_funding():
    # POIZ-like: £9.44m project, £4.16m from the CA, the rest (£5.28m) from others.
    # 5.28 / 4.16 = 1.2692… → 1.27
    result = leverage(
        [
            Funding("ca", D("4160000"), True),
            Funding("public", D("3000000"), True),
            Funding("private", D("2280000"), True),
        ]
    )
    assert result.ca == D("4160000")
    assert result.other == D("5280000")
    assert result.ratio == D("1.27")


def test_unsecured_and_unknown_amounts_count_in_neither_part():
    # CA £1m secured (+ £5m hoped for); private £0.5m secured; public £2m not secured; other
    # of unknown amount → 500,000 / 1,000,000 = 0.50
    result = leverage(
        [
            Funding("ca", D("1000000"), True),
            Funding("ca", D("5000000"), False),
            Funding("private", D("500000"), True),
            Funding("public", D("2000000"), False),
            Funding("other", None, True),
        ]
    )
    assert result.ratio == D("0.50")


def test_no_secured_ca_funding_means_no_ratio():
    assert leverage([Funding("private", D("100"), True)]).ratio is None
    assert leverage([Funding("ca", D("100"), False), Funding("public", D("5"), True)]).ratio is None
    assert leverage([]).ratio is None


def test_overall_leverage_leaves_out_projects_without_ca_funding():
    a = [Funding("ca", D("100"), True), Funding("private", D("300"), True)]
    b = [Funding("private", D("1000"), True)]  # not CA-funded: left out
    c = [Funding("ca", D("100"), True), Funding("public", D("100"), True)]
    result = overall_leverage([a, b, c])
    assert (result.ca, result.other, result.ratio) == (D("200"), D("400"), D("2.00"))


def test_totals_add_known_values_and_count_unknown_ones():
    groups = totals(
        [
            ("approved", "Approved", D("10")),
            ("idea", "Idea", None),
            ("approved", "Approved", None),
            ("approved", "Approved", D("5.50")),
        ],
        order=[("idea", "Idea"), ("development", "Development"), ("approved", "Approved")],
    )
    assert [(g.key, g.count, g.known_value, g.unknown_count) for g in groups] == [
        ("idea", 1, D("0"), 1),
        ("development", 0, D("0"), 0),
        ("approved", 3, D("15.50"), 1),
    ]
    overall = grand_total(groups)
    assert (overall.count, overall.known_value, overall.unknown_count) == (4, D("15.50"), 2)
