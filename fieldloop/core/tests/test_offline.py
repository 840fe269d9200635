"""The server's side of working offline: the service worker at the root, the outbox page, and which
pages the phone may keep."""

from conftest import sign_in


def test_service_worker_is_served_from_the_root_and_may_control_every_page(client, db):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert b"X-Fieldloop-Offline" in b"".join(response.streaming_content)


def test_outbox_page_needs_a_sign_in_and_is_kept_on_the_device(client, cast):
    assert client.get("/outbox/").status_code == 302

    sign_in(client, "rex", cast.password)
    response = client.get("/outbox/")

    assert response.status_code == 200
    assert response["X-Fieldloop-Offline"] == "1"
    assert b"data-outbox-list" in response.content


def test_a_form_page_is_kept_on_the_device_but_a_customer_list_is_not(client, cast):
    sign_in(client, "rex", cast.password)

    assert client.get("/customers/new/")["X-Fieldloop-Offline"] == "1"
    assert "X-Fieldloop-Offline" not in client.get("/customers/")
    assert "X-Fieldloop-Offline" not in client.post("/customers/new/", {"name": ""})


def test_every_signed_in_page_loads_the_outbox_for_its_employee(client, cast):
    sign_in(client, "rex", cast.password)

    page = client.get("/", follow=True).content.decode()  # a rep's home: Today

    assert f'data-employee-id="{cast.rep.pk}"' in page
    assert "js/outbox.js" in page


def test_a_page_the_service_worker_keeps_leaves_the_flash_messages_to_the_page_the_rep_opens(cast):
    """The worker fetches pages to keep them (X-Fieldloop-Keep: 1): that copy renders no messages, so a message
    waiting for the next page (a sent form's "Record saved.") is not used up by a background fetch."""
    client = cast.client_for(cast.rep)
    client.post("/customers/999999/claim/")  # refused: an error message waits for the next page
    kept = client.get("/customers/new/", headers={"X-Fieldloop-Keep": "1"}).content.decode()
    assert "data-message=" not in kept
    shown = client.get("/customers/new/").content.decode()
    assert 'data-message="error"' in shown
