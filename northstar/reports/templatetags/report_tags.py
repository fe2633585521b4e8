"""Small template helpers of the board report's pages and PDF."""

from django import template

register = template.Library()

TAG_COLOURS = {
    "on track": "green",
    "met": "blue",
    "at risk": "yellow",
    "off track": "red",
    "no data": "grey",
    "no target": "grey",
    "red": "red",
    "amber": "yellow",
    "green": "green",
}


@register.filter
def tag_colour(label: str) -> str:
    """The GOV.UK tag colour of a status or RAG label ('On track' → green, 'Amber' → yellow)."""
    return TAG_COLOURS.get(str(label).strip().lower(), "grey")


@register.filter
def with_columns(row: list, columns: list) -> list:
    """A table row's cells paired with their columns: [(text, column), …]."""
    return list(zip(row, columns, strict=False))


@register.filter
def css_string(value) -> str:
    """Text for a CSS string in a <style> element (HTML entities are not decoded there): quotes,
    backslashes, angle brackets and line breaks escaped as CSS escapes."""
    from django.utils.safestring import mark_safe

    out = []
    for char in str(value):
        if char in "\"\\<>&'" or ord(char) < 32:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return mark_safe("".join(out))  # noqa: S308 - every special character is escaped above
