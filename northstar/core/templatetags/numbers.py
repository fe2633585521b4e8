"""Numbers on every page: thousands separators ("20,000 rows"). Not Django's
USE_THOUSAND_SEPARATOR, which would also group years, ids and other numbers that are not
quantities; not django.contrib.humanize, whose output follows the active locale."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def intcomma(value) -> str:
    """1234567.5 → '1,234,567.5'; text that is not a number is returned as it is."""
    try:
        number = Decimal(str(value).replace(",", ""))
    except (InvalidOperation, ValueError):
        return value
    if not number.is_finite():
        return value
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,f}".rstrip("0")
