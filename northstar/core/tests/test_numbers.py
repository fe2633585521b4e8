"""The thousands-separator filter every page uses for counts and amounts."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from northstar.core.templatetags.numbers import intcomma


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (999, "999"),
        (20000, "20,000"),
        (-1234567, "-1,234,567"),
        (Decimal("1234567.50"), "1,234,567.5"),
        ("1,234", "1,234"),
        (Decimal("12.0"), "12"),
        ("not a number", "not a number"),
        (None, None),
        (Decimal("NaN"), Decimal("NaN")),
    ],
)
def test_intcomma_groups_thousands_and_leaves_other_text_alone(value, shown):
    result = intcomma(value)
    if isinstance(shown, Decimal):
        assert result.is_nan()
    else:
        assert result == shown


def test_templates_load_it_as_numbers():
    rendered = Template("{% load numbers %}{{ n|intcomma }} rows").render(Context({"n": 485058}))
    assert rendered == "485,058 rows"
