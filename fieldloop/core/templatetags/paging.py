"""The "load more" row under a keyset-paged list: `{% load paging %}{% load_more page.next_cursor id="…" %}`."""

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("core/_load_more.html", takes_context=True)
def load_more(
    context: template.Context, cursor: str | None, *, id: str, colspan: int = 0, tag: str = "div", css: str = ""
) -> dict[str, Any]:
    """The row that fetches the next page (htmx swaps it for the next rows, which end with their own row),
    with a plain link for a browser without JavaScript. The link is this request's query string with
    `cursor` replaced, so the list's filters carry over. `colspan` > 0 renders a table row of that width;
    otherwise a `tag` ("div" or "li") with the classes `css`. Nothing when there is no next page."""
    query = context["request"].GET.copy()
    query["cursor"] = cursor or ""
    return {"cursor": cursor, "id": id, "href": f"?{query.urlencode()}", "colspan": colspan, "tag": tag, "css": css}
