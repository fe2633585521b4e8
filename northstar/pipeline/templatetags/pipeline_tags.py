from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pounds(value: Decimal | None, unknown: str = "Not known") -> str:
    """£210,000,000 (pence shown only when there are any); `unknown` for None."""
    if value is None or value == "":
        return unknown
    value = Decimal(value)
    text = f"{value:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"£{text}"
