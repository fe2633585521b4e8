"""Programme pages: number formatting (core's `intcomma`), and
GOV.UK form pieces Django's own rendering does not give (date inputs, one error summary for a
form with its formsets)."""

from django import template

from northstar.core.templatetags.numbers import intcomma

register = template.Library()


# The one thousands-separator filter of every page, under the name these templates load.
register.filter("intcomma", intcomma)


def field_anchor(field) -> str:
    """The id a link to the field's error goes to: its input, or a date's day box."""
    if field.field.widget.__class__.__name__ == "DateInputWidget":
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


@register.simple_tag
def date_parts(field) -> list[dict]:
    """The day, month and year boxes of a date field: label, id, name, value and width."""
    context = field.field.widget.get_context(field.html_name, field.value(), {"id": field.auto_id})
    return [
        {
            "label": label,
            "id": part["attrs"]["id"],
            "name": part["name"],
            "value": "" if part["value"] is None else part["value"],
            "width": width,
        }
        for part, label, width in zip(
            context["widget"]["subwidgets"], ("Day", "Month", "Year"), (2, 2, 4), strict=True
        )
    ]


@register.simple_tag
def error_links(*forms) -> list[tuple[str, str]]:
    """(href, text) of every error of the forms and formsets, in page order, for the GOV.UK error
    summary. A formset's rows are named "Row N"."""
    links: list[tuple[str, str]] = []
    for form in forms:
        if not hasattr(form, "errors"):
            continue  # a form the page does not have (an empty template variable)
        rows = getattr(form, "forms", None)
        for index, inner in enumerate(rows if rows is not None else [form], start=1):
            where = f"{form.prefix.capitalize()}, row {index}: " if rows is not None else ""
            for error in inner.non_field_errors():
                links.append(("", f"{where}{error}"))
            for field in inner:
                for error in field.errors:
                    label = f"{where}{field.label}" if where else field.label
                    links.append((f"#{field_anchor(field)}", f"{label}: {error}"))
        if rows is not None:
            for error in form.non_form_errors():
                links.append(("", str(error)))
    return links
