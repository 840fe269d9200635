"""htmx on the server side: whether a request came from htmx (so it gets a partial, not the page)."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True for a request htmx made (its `HX-Request: true` header; static/js that fetches partials
    sends the same), so the view answers with the partial it swaps in."""
    return request.headers.get("HX-Request") == "true"
