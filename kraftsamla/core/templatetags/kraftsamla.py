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


class ScrollRegionNode(template.Node):
    def __init__(self, nodelist, options: dict):
        self.nodelist = nodelist
        self.options = options

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.options.items()}
        with context.push(table=self.nodelist.render(context), **values):
            return template.loader.get_template("includes/table_scroll.html").render(
                context.flatten()
            )


@register.tag
def scrollregion(parser, token):
    """Wrap a wide table in its own keyboard-scrollable, named region (WCAG 1.4.10).

    {% scrollregion labelledby="heading-id" %}<table>…</table>{% endscrollregion %}
    Options: labelledby (id of the visible name) or label (text), sticky=False to keep the
    first column from sticking, print_landscape=True to print the page in landscape.
    """
    options = {}
    for bit in token.split_contents()[1:]:
        name, _, value = bit.partition("=")
        if name not in {"labelledby", "label", "sticky", "print_landscape"} or not value:
            raise template.TemplateSyntaxError(f"scrollregion: unknown option {bit!r}")
        options[name] = parser.compile_filter(value)
    if not {"labelledby", "label"} & options.keys():
        raise template.TemplateSyntaxError("scrollregion needs labelledby or label")
    nodelist = parser.parse(("endscrollregion",))
    parser.delete_first_token()
    return ScrollRegionNode(nodelist, options)
