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


def test_an_account_is_locked_from_the_address_that_failed_and_nobody_else_is(cast, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "mia", "wrong", ip="10.0.1.1")
    response = attempt(Client(), "mia", cast.password, ip="10.0.1.1")
    assert response.status_code == 429
    assert b'data-testid="lockout"' in response.content
    assert Client().get("/").status_code == 302
    # the same account from her own phone, and colleagues behind the same address, still sign in
    assert attempt(Client(), "mia", cast.password, ip="10.0.2.1").status_code == 302
    assert attempt(Client(), "rex", cast.password, ip="10.0.1.1").status_code == 302


def test_an_address_is_locked_for_everyone_after_many_more_failures_across_accounts(cast, client, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12
    for i in range(11):
        attempt(client, f"nobody{i}", "wrong", ip="10.9.9.9")
    assert attempt(Client(), "rex", cast.password, ip="10.9.9.9").status_code == 302  # under the limit
    attempt(client, "nobody-else", "wrong", ip="10.9.9.9")
    assert attempt(Client(), "ria", cast.password, ip="10.9.9.9").status_code == 429
    assert attempt(Client(), "ria", cast.password, ip="10.9.9.8").status_code == 302


def behind_proxy(client: Client, username: str, password: str, forwarded_for: str):
    return client.post("/login/", {"username": username, "password": password},
                       REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)  # fmt: skip


def test_behind_a_trusted_proxy_each_client_address_counts_on_its_own(cast, settings):
    settings.FIELDLOOP_TRUSTED_PROXIES = 1
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    for i in range(10):  # an attacker trying many accounts from one address, through the proxy
        behind_proxy(Client(), f"nobody{i}", "wrong", "203.0.113.9")
    assert behind_proxy(Client(), "rex", cast.password, "203.0.113.9").status_code == 429
    assert behind_proxy(Client(), "ria", cast.password, "198.51.100.7").status_code == 302  # another user
    # a forged X-Forwarded-For entry further left changes nothing: the proxy's own entry counts
    assert behind_proxy(Client(), "rex", cast.password, "198.51.100.7, 203.0.113.9").status_code == 429


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(cast):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        behind_proxy(Client(), "mia", "wrong", "203.0.113.1")
    # the lock is on the socket's address; a new X-Forwarded-For does not escape it
    assert behind_proxy(Client(), "mia", cast.password, "198.51.100.2").status_code == 429


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


def test_a_request_speaks_its_employees_language_and_leaves_the_thread_as_it_found_it(cast, client):
    from django.utils import timezone, translation

    cast.rep.language = "en"
    cast.rep.save(update_fields=["language"])
    client.force_login(cast.rep.user)
    with translation.override("zh-hans"):
        response = client.get("/customers/")
        assert response["Content-Language"] == "en"
        assert "Customers" in response.content.decode()
        assert translation.get_language() == "zh-hans"  # not the employee's, after the request
    assert timezone.get_current_timezone_name() == "UTC"
