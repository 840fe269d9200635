"""Sign-in, lockout after repeated failures (per account and per address), sign-up, security headers."""

from django.conf import settings
from django.test import Client

from fieldloop.org.models import Employee, Organization


def attempt(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_user_signs_in_and_out(cast, client):
    response = attempt(client, "mia", cast.password)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_a_wrong_password_shows_an_error_and_no_session(cast, client):
    response = attempt(client, "mia", "wrong")
    assert response.status_code == 200
    assert b'data-testid="login-error"' in response.content
    assert client.get("/").status_code == 302


def test_an_account_is_locked_after_repeated_failures_even_from_other_addresses(cast, client):
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "mia", "wrong", ip=f"10.0.1.{i}")
    response = attempt(Client(), "mia", cast.password, ip="10.0.2.1")
    assert response.status_code == 429
    assert b'data-testid="lockout"' in response.content
    assert Client().get("/").status_code == 302
    # other accounts are not affected
    assert attempt(Client(), "rex", cast.password, ip="10.0.3.1").status_code == 302


def test_an_address_is_locked_after_repeated_failures_across_accounts(cast, client):
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"nobody{i}", "wrong", ip="10.9.9.9")
    assert attempt(Client(), "rex", cast.password, ip="10.9.9.9").status_code == 429
    assert attempt(Client(), "rex", cast.password, ip="10.9.9.8").status_code == 302


def test_signup_creates_an_organization_and_signs_in_its_admin(db, client):
    response = client.post(
        "/signup/",
        {
            "org_name": "新公司",
            "admin_name": "张三",
            "admin_phone": "13800001111",
            "username": "zhang",
            "password": "a-Strong-pass-1",
            "time_zone": "Asia/Shanghai",
            "currency": "CNY",
            "language": "zh-hans",
        },
    )
    assert response.status_code == 302
    assert Organization.objects.get().name == "新公司"
    assert Employee.objects.get().role == "admin"
    assert client.get("/").status_code == 200


def test_signup_with_a_bad_time_zone_shows_the_field_error_and_writes_nothing(db, client):
    response = client.post(
        "/signup/",
        {
            "org_name": "新公司",
            "admin_name": "张三",
            "admin_phone": "13800001111",
            "username": "zhang",
            "password": "a-Strong-pass-1",
            "time_zone": "Nowhere/City",
            "currency": "CNY",
            "language": "zh-hans",
        },
    )
    assert response.status_code == 200
    assert b'data-testid="error-time_zone"' in response.content
    assert not Organization.objects.exists()


def test_pages_send_security_headers_and_a_content_security_policy(cast):
    response = cast.client_for(cast.rep).get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp


def test_the_session_cookie_is_http_only(cast, client):
    attempt(client, "mia", cast.password)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["httponly"]
