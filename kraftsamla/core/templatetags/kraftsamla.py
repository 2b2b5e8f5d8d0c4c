"""Template helpers: accessible form widgets, number formatting, query strings."""

from django import template

from kraftsamla.core.charts import format_number

register = template.Library()


@register.simple_tag
def widget(field):
    """Render a field's widget tied to its help text and errors via aria-describedby."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-help")
    if field.errors:
        ids.append(f"{field.auto_id}-errors")
    attrs = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def num(value, decimals=0):
    """Format a number with thin-space thousands separators; blank for None."""
    if value is None or value == "":
        return "–"
    try:
        return format_number(float(value), int(decimals))
    except (TypeError, ValueError):
        return value


@register.filter
def pct(value, decimals=0):
    if value is None:
        return "–"
    return format_number(value * 100, int(decimals)) + "\u00a0%"


@register.simple_tag
def page_url(query: str, page: int) -> str:
    return f"?{query}&page={page}" if query else f"?page={page}"


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None
