"""Every form that carries a `next` goes back only to this site: one helper (core.redirects.safe_next)."""

import pytest

from fieldloop.core.redirects import safe_next

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http://testserver.evil.example/",
    " //evil.example",
]


def assert_stays_on_site(response) -> None:
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_failed_claim_does_not_redirect_off_site(cast, target):
    response = cast.client_for(cast.rep).post("/customers/999999/claim/", {"next": target})
    assert_stays_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_switching_language_does_not_redirect_off_site(cast, target):
    response = cast.client_for(cast.rep).post("/profile/language/", {"language": "en", "next": target})
    assert_stays_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_bulk_action_does_not_go_back_off_site(cast, target):
    response = cast.client_for(cast.manager).post("/customers/bulk/", {"next": target, "action": "assign"})
    assert "evil" not in response.get("Location", "")
    assert b"evil.example" not in response.content


def test_a_path_on_this_site_is_where_it_goes_back(rf):
    request = rf.post("/x/", {"next": "/customers/?stage=2"})
    assert safe_next(request, "home") == "/customers/?stage=2"
    assert safe_next(rf.post("/x/", {"next": "https://evil.example/"}), "home") == "home"
    assert safe_next(rf.get("/x/", {"next": "/today/"}), "home") == "/today/"
