"""Number formatting for programme pages: thousands separators without django.contrib.humanize."""

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
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,f}".rstrip("0")
