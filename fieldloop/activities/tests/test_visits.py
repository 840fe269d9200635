"""Visits: visit types and their rules, check-in / check-out with the phone's position, classification."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from fieldloop.activities import selectors, services, visit_services, visits
from fieldloop.activities.models import DistanceMode, Visit, VisitStatus
from fieldloop.activities.visits import Reason
from fieldloop.core.errors import ServiceError
from fieldloop.core.geo import SentFix
from fieldloop.customers.models import Customer, CustomerEvent
from fieldloop.formtemplates.models import Purpose
from fieldloop.notifications.models import Notification
from fieldloop.org import services as org_services

from .helpers import VISIT_VALUES, customer, template

SHOP = (Decimal("31.230400"), Decimal("121.473700"))  # 人民广场


def api(employee):
    client = Client()
    secret = org_services.api_token_create(actor=employee, name="tests").secret
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def post(client, url, data, key=None):
    return client.post(url, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()))


def located_customer(owner, at=SHOP):
    c = customer(owner)
    Customer.objects.filter(pk=c.pk).update(latitude=at[0], longitude=at[1])
    c.refresh_from_db()
    return c


def routine(admin, **rules):
    visit_template = template(admin, Purpose.VISIT)
    values = {"name": f"例行拜访 {uuid.uuid4().hex[:4]}", "steps": [{"template_id": visit_template.pk}]} | rules
    return visit_services.visit_type_create(actor=admin, **values)


def near(metres_north=0.0, *, at=None, accuracy=15.0, mocked=False):
    """A fix `metres_north` north of the shop, read now (or at `at`)."""
    return SentFix(
        latitude=float(SHOP[0]) + metres_north / 111_195,
        longitude=float(SHOP[1]),
        accuracy_m=accuracy,
        fix_at=at or timezone.now(),
        mocked=mocked,
    )


def check_in(rep, vt, shop, position=None, **extra):
    """A check-in the rep confirms when it is flagged (as the page's second tap does)."""
    extra.setdefault("confirm_flagged", True)
    visit, _created = visit_services.visit_check_in(
        actor=rep,
        client_id=extra.pop("client_id", uuid.uuid4()),
        visit_type_id=vt.pk,
        customer_id=shop.pk if shop else None,
        position=position or near(),
        **extra,
    )
    return visit


def check_out(rep, visit, position=None, **extra):
    """A check-out the rep confirms when the visit will not be effective (as the page's second tap does)."""
    extra.setdefault("confirm_not_effective", True)
    closed, _changed = visit_services.visit_check_out(
        actor=rep, client_id=extra.pop("client_id", uuid.uuid4()), visit_id=visit.pk, position=position or near(),
        **extra,
    )  # fmt: skip
    return closed


def fields_of(excinfo):
    return set(excinfo.value.fields)


# --- bad input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "field"),
    [
        (SentFix(None, 121.47, 10, None), "latitude"),
        (SentFix(31.23, 121.47, None, timezone.now()), "accuracy"),
        (SentFix(91, 121.47, 10, timezone.now()), "latitude"),
        (SentFix(31.23, 181, 10, timezone.now()), "longitude"),
        (SentFix(31.23, 121.47, -5, timezone.now()), "accuracy"),
        (SentFix("abc", 121.47, 10, timezone.now()), "latitude"),
    ],
)
def test_a_position_without_accuracy_or_out_of_range_is_refused_on_its_field(cast, position, field):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    with pytest.raises(ServiceError) as e:
        check_in(cast.rep, vt, shop, position)
    assert field in fields_of(e)
    assert not Visit.objects.exists()


def test_a_second_check_in_while_a_visit_is_open_is_refused(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    check_in(cast.rep, vt, shop)
    with pytest.raises(ServiceError) as e:
        check_in(cast.rep, vt, shop)
    assert fields_of(e) == {"visit"} and e.value.status == 409
    assert Visit.objects.count() == 1


def test_a_check_out_without_a_check_in_is_refused(cast):
    with pytest.raises(ServiceError) as e:
        visit_services.visit_check_out(actor=cast.rep, client_id=uuid.uuid4(), visit_id=None, position=near())
    assert fields_of(e) == {"visit"}


def test_a_check_out_of_a_closed_visit_is_refused_but_its_replay_returns_it(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop)
    key = uuid.uuid4()
    closed = check_out(cast.rep, visit, client_id=key)
    again, changed = visit_services.visit_check_out(
        actor=cast.rep, client_id=key, visit_id=visit.pk, position=near(500)
    )
    assert not changed and again.checked_out_at == closed.checked_out_at and again.check_out_distance_m is not None
    with pytest.raises(ServiceError) as e:
        check_out(cast.rep, visit)
    assert fields_of(e) == {"visit"}


def test_a_check_in_at_a_customer_the_rep_may_not_see_is_refused(cast):
    vt, theirs = routine(cast.admin), located_customer(cast.other_branch_rep)
    with pytest.raises(ServiceError) as e:
        check_in(cast.rep, vt, theirs)
    assert fields_of(e) == {"customer_id"}


def test_a_replayed_check_in_returns_the_first_visit(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    key = uuid.uuid4()
    first = check_in(cast.rep, vt, shop, client_id=key)
    again, created = visit_services.visit_check_in(
        actor=cast.rep, client_id=key, visit_type_id=vt.pk, customer_id=shop.pk, position=near(900)
    )
    assert not created and again.pk == first.pk and Visit.objects.count() == 1


def test_a_visit_type_that_does_not_apply_to_the_rep_is_refused(cast):
    vt = routine(cast.admin, department_ids=[cast.beijing.pk])
    with pytest.raises(ServiceError) as e:
        check_in(cast.rep, vt, located_customer(cast.rep))
    assert fields_of(e) == {"visit_type_id"}
    assert check_in(cast.other_branch_rep, vt, located_customer(cast.other_branch_rep)).pk


# --- distance and coordinates -----------------------------------------------------------------------------------


def test_hard_distance_refuses_with_the_distance_and_soft_accepts_and_flags(cast):
    shop = located_customer(cast.rep)
    hard = routine(cast.admin, max_distance_m=200, distance_mode=DistanceMode.HARD)
    with pytest.raises(ServiceError) as e:
        check_in(cast.rep, hard, shop, near(1000))
    assert fields_of(e) == {"position"} and "1000" in str(e.value.fields["position"][0])
    soft = routine(cast.admin, max_distance_m=200, distance_mode=DistanceMode.SOFT)
    visit = check_in(cast.rep, soft, shop, near(1000))
    assert 990 < visit.check_in_distance_m < 1010
    closed = check_out(cast.rep, visit, near(1000))
    assert closed.effective is False and Reason.TOO_FAR in closed.reasons


def test_the_first_visit_sets_a_customers_missing_location_on_its_timeline(cast):
    vt, shop = routine(cast.admin), customer(cast.rep)
    visit = check_in(cast.rep, vt, shop, near(0))
    shop.refresh_from_db()
    assert visit.located_customer and visit.check_in_distance_m is None
    assert shop.latitude == SHOP[0] and shop.last_visited_at == visit.checked_in_at
    assert CustomerEvent.objects.filter(customer=shop, changes__latitude__0=None).exists()
    check_out(cast.rep, visit)
    second = check_in(cast.rep, vt, shop, near(50))
    assert not second.located_customer and 45 < second.check_in_distance_m < 55


def test_an_admin_resets_a_customers_location_to_a_visits_check_in_and_a_rep_may_not(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop, near(300))
    with pytest.raises(ServiceError):
        visit_services.visit_locate_customer(actor=cast.rep, visit_id=visit.pk)
    visit_services.visit_locate_customer(actor=cast.admin, visit_id=visit.pk)
    shop.refresh_from_db()
    assert shop.latitude == visit.check_in_latitude


# --- time: stale fixes, late offline submissions -----------------------------------------------------------------


def test_a_stale_fix_is_refused_asking_to_re_read_it(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    with pytest.raises(ServiceError) as e:
        check_in(cast.rep, vt, shop, near(at=timezone.now() - timedelta(minutes=10)))
    assert fields_of(e) == {"fix_at"} and not Visit.objects.exists()


def test_a_check_in_captured_offline_hours_ago_is_accepted_and_marked_late(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    captured = timezone.now() - timedelta(hours=5)
    visit = check_in(cast.rep, vt, shop, near(at=captured - timedelta(seconds=20)), captured_at=captured)
    assert visit.check_in_late and visit.checked_in_at == captured and visit.check_in_signals == []
    closed = check_out(cast.rep, visit, near(at=captured + timedelta(minutes=40)),
                       captured_at=captured + timedelta(minutes=40))  # fmt: skip
    assert closed.duration_s == 40 * 60 and closed.check_out_late


# --- signals and classification --------------------------------------------------------------------------------


def test_signals_mocked_repeated_and_too_fast_put_the_visit_up_for_review(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    now = timezone.now()
    same = near(0)
    for minutes in (50, 40, 30):
        v = check_in(cast.rep, vt, shop, SentFix(same.latitude, same.longitude, 15, now - timedelta(minutes=minutes)),
                     captured_at=now - timedelta(minutes=minutes))  # fmt: skip
        check_out(cast.rep, v, SentFix(same.latitude, same.longitude, 15, now - timedelta(minutes=minutes - 1)),
                  captured_at=now - timedelta(minutes=minutes - 1))  # fmt: skip
    repeated = check_in(cast.rep, vt, shop, SentFix(same.latitude, same.longitude, 15, now, mocked=True))
    assert {"repeated", "mocked"} <= set(repeated.check_in_signals)
    closed = check_out(cast.rep, repeated, near(100_000))  # 100 km in no time
    assert "too_fast" in closed.check_out_signals
    assert closed.effective is False and {"repeated", "too_fast"} <= set(closed.reasons)
    assert "mocked" not in closed.reasons  # the device's claim sends the visit to review, it discounts nothing
    assert closed.review_state == "pending"


def test_a_short_visit_without_the_required_photo_and_steps_is_not_effective(cast):
    vt = routine(cast.admin, min_duration_minutes=15, photo_required=True)
    shop = located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop)
    closed = check_out(cast.rep, visit)
    assert closed.effective is False
    assert set(closed.reasons) == {Reason.TOO_SHORT, Reason.PHOTO_MISSING, Reason.STEPS_MISSING}
    with translation.override("en"):
        assert visits.reason_label(Reason.TOO_SHORT) == "Shorter than the minimum duration"
    with translation.override("zh-hans"):
        assert visits.reason_label(Reason.TOO_SHORT) == "时长不足"


def test_a_visit_with_its_steps_long_enough_and_near_is_effective_and_the_copied_hear_of_it(cast):
    vt = routine(cast.admin, min_duration_minutes=10, max_distance_m=300, copied_ids=[cast.manager.pk])
    shop = located_customer(cast.rep)
    start = timezone.now() - timedelta(minutes=30)
    visit = check_in(cast.rep, vt, shop, near(40, at=start), captured_at=start)
    record, _ = services.record_create(
        actor=cast.rep, client_id=uuid.uuid4(), template_id=template(cast.rep, Purpose.VISIT).pk,
        values=VISIT_VALUES, visit_id=visit.pk,
    )  # fmt: skip
    assert record.customer_id == shop.pk and record.visit_id == visit.pk
    closed = check_out(cast.rep, visit, near(20))
    assert closed.effective is True and closed.reasons == [] and closed.status == VisitStatus.CLOSED
    assert 29 * 60 < closed.duration_s < 31 * 60
    assert Notification.objects.filter(recipient=cast.manager, kind=visits.VISIT_CLOSED).count() == 1


def test_a_record_for_someone_elses_visit_is_refused(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop)
    with pytest.raises(ServiceError) as e:
        services.record_create(
            actor=cast.rep2, client_id=uuid.uuid4(), template_id=template(cast.rep2, Purpose.VISIT).pk,
            values=VISIT_VALUES, visit_id=visit.pk,
        )  # fmt: skip
    assert "visit_id" in fields_of(e)


def test_the_nightly_run_closes_an_abandoned_visit_without_check_out(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    start = timezone.now() - timedelta(hours=20)
    visit = check_in(cast.rep, vt, shop, near(at=start), captured_at=start)
    assert visit_services.all_orgs_close_abandoned_visits() == 1
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CLOSED and visit.closed_automatically
    assert Reason.NO_CHECK_OUT in visit.reasons and visit.effective is False


# --- visit types ------------------------------------------------------------------------------------------------


def test_only_an_admin_manages_visit_types_and_bad_rules_get_field_errors(cast):
    with pytest.raises(ServiceError) as e:
        visit_services.visit_type_create(actor=cast.manager, name="x")
    assert e.value.status == 403
    with pytest.raises(ServiceError) as e:
        visit_services.visit_type_create(
            actor=cast.admin, name="", max_distance_m=-3, distance_mode="maybe", roles=["king"],
            steps=[{"template_id": 999999}],
        )  # fmt: skip
    assert fields_of(e) == {"name", "max_distance_m", "distance_mode", "roles", "steps.0.template_id"}


# --- reads: visibility, API -----------------------------------------------------------------------------------


def test_visits_are_seen_by_their_rep_his_manager_and_the_admin_not_by_another_rep(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop)
    for who in (cast.rep, cast.manager, cast.director, cast.admin):
        assert selectors.visit_get(actor=who, visit_id=visit.pk).pk == visit.pk
    for who in (cast.rep2, cast.other_branch_rep, cast.outsider):
        with pytest.raises(ServiceError):
            selectors.visit_get(actor=who, visit_id=visit.pk)
        assert api(who).get(f"/api/v1/visits/{visit.pk}").status_code == 404


def test_the_api_checks_in_idempotently_checks_out_and_lists_with_constant_queries(cast):
    vt, shop = routine(cast.admin, max_distance_m=500), located_customer(cast.rep)
    client = api(cast.rep)
    key = uuid.uuid4()
    body = {"visit_type_id": vt.pk, "customer_id": shop.pk, "latitude": float(SHOP[0]), "longitude": float(SHOP[1]),
            "accuracy": 12, "fix_at": timezone.now().isoformat()}  # fmt: skip
    first = post(client, "/api/v1/visits", body, key)
    assert first.status_code == 201, first.content
    assert post(client, "/api/v1/visits", body, key).json()["id"] == first.json()["id"]
    assert post(client, "/api/v1/visits", body).status_code == 409
    bad = post(client, "/api/v1/visits", {**body, "accuracy": None})
    assert bad.status_code == 400 and "accuracy" in bad.json()["fields"]
    visit_id = first.json()["id"]
    out_key = uuid.uuid4()
    now_body = {**body, "fix_at": timezone.now().isoformat()}
    unconfirmed = post(client, f"/api/v1/visits/{visit_id}/check-out", now_body)  # its step is not filled
    assert unconfirmed.status_code == 400 and "confirm_not_effective" in unconfirmed.json()["fields"]
    out = post(client, f"/api/v1/visits/{visit_id}/check-out", {**now_body, "confirm_not_effective": True}, out_key)
    assert out.status_code == 200 and out.json()["status"] == "closed"
    replay = post(client, f"/api/v1/visits/{visit_id}/check-out", body, out_key)
    assert replay.json() == out.json()
    manager = api(cast.manager)

    def page_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = manager.get("/api/v1/visits?limit=50")
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["items"])

    page_queries()  # warm: the token's last use is recorded once
    few = page_queries()
    for _i in range(6):
        v = check_in(cast.rep, vt, shop)
        check_out(cast.rep, v)
    many = page_queries()
    assert many[1] == few[1] + 6 and many[0] == few[0]
    assert manager.get("/api/v1/visits?effective=true").json()["items"] == []  # no step filled: none effective
    assert len(manager.get("/api/v1/visits?effective=false").json()["items"]) == 7


def test_the_api_manages_visit_types_for_admins(cast):
    admin = api(cast.admin)
    visit_template = template(cast.admin, Purpose.VISIT)
    key = uuid.uuid4()
    body = {"name": "收款拜访", "steps": [{"template_id": visit_template.pk}], "max_distance_m": 300,
            "distance_mode": "hard"}  # fmt: skip
    created = post(admin, "/api/v1/visit-types", body, key)
    assert created.status_code == 201, created.content
    replay = post(admin, "/api/v1/visit-types", body, key)
    assert (replay.status_code, replay.json()) == (201, created.json())
    vt_id = created.json()["id"]
    patched = admin.patch(f"/api/v1/visit-types/{vt_id}", {"min_duration_minutes": 5}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["min_duration_minutes"] == 5
    assert patched.json()["max_distance_m"] == 300
    rep_patch = api(cast.rep).patch(f"/api/v1/visit-types/{vt_id}", {"name": "x"}, content_type="application/json")
    assert rep_patch.status_code == 403
    assert [t["name"] for t in api(cast.rep).get("/api/v1/visit-types").json()] == ["收款拜访"]


def test_the_small_demo_company_has_visits_near_and_far_short_and_effective(db):
    from fieldloop.demo.company import build_demo_company

    ctx = build_demo_company(size="small", seed=5)
    assert Visit.objects.count() == ctx.counts["visits"] > 500
    assert set(Visit.objects.values_list("visit_type__name", flat=True)) == {"例行拜访", "收款拜访"}
    effective = Visit.objects.filter(effective=True).count()
    assert 0.5 * ctx.counts["visits"] < effective < ctx.counts["visits"]
    assert any(Reason.TOO_FAR in r for r in Visit.objects.values_list("reasons", flat=True))
    far = [d for d in Visit.objects.values_list("check_in_distance_m", flat=True) if d is not None]
    assert min(far) < 100 and max(far) > 800
    assert Visit.objects.filter(duration_s__lt=600).exists()
    assert Customer.objects.exclude(last_visited_at=None).count() > 100
    effective_one = Visit.objects.filter(visit_type__name="例行拜访", effective=True).select_related("visit_type")[0]
    assert visits.classify(visit=effective_one, records=[]) == [Reason.STEPS_MISSING]  # its report is a step
    collecting = list(Visit.objects.filter(visit_type__name="收款拜访").select_related("visit_type"))
    missing = [v for v in collecting if Reason.STEPS_MISSING in v.reasons]
    assert 0 < len(missing) < 0.3 * len(collecting)  # most filed their payment note, some forgot
    for visit in collecting[:: max(1, len(collecting) // 30)]:  # the stored reasons agree with the rules
        found = visits.classify(visit=visit, records=selectors.visit_step_records(visit=visit))
        assert (Reason.STEPS_MISSING in found) == (Reason.STEPS_MISSING in visit.reasons)


def test_a_check_in_by_the_owner_extends_the_customers_pool_protection(cast):
    from fieldloop.customers import pools

    vt, shop = routine(cast.admin), located_customer(cast.rep)
    pool = pools.pool_create(actor=cast.admin, name="华东公海", extension_days=7)
    Customer.objects.filter(pk=shop.pk).update(
        pool=pool, protected_until=timezone.now() + timedelta(days=2), claimed_at=timezone.now()
    )
    check_in(cast.rep, vt, shop)
    shop.refresh_from_db()
    assert shop.protected_until is not None and shop.protected_until > timezone.now() + timedelta(days=6)


def test_the_close_visits_command_closes_abandoned_visits(cast):
    from io import StringIO

    from django.core.management import call_command

    vt, shop = routine(cast.admin), located_customer(cast.rep)
    start = timezone.now() - timedelta(hours=3)
    check_in(cast.rep, vt, shop, near(at=start), captured_at=start)
    out = StringIO()
    call_command("close_visits", "--hours", "2", stdout=out)
    assert "1 open visits closed" in out.getvalue()


def test_a_step_filed_through_the_api_belongs_to_the_visit_and_another_reps_visit_is_refused(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop)
    body = {"template_id": template(cast.rep, Purpose.VISIT).pk, "values": VISIT_VALUES, "visit_id": visit.pk}
    created = post(api(cast.rep), "/api/v1/work-records", body)
    assert created.status_code == 201, created.content
    assert created.json()["visit_id"] == visit.pk and created.json()["customer"]["id"] == shop.pk
    refused = post(api(cast.rep2), "/api/v1/work-records", body)
    assert refused.status_code == 400 and "visit_id" in refused.json()["fields"]


def test_a_visit_shows_on_its_customers_timeline_in_the_page_and_the_api(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    visit = check_out(cast.rep, check_in(cast.rep, vt, shop))

    items = api(cast.manager).get(f"/api/v1/customers/{shop.pk}/timeline").json()["items"]
    assert (items[0]["source"], items[0]["id"]) == ("visits", visit.pk)
    assert items[0]["data"]["employee"]["name"] == "Rex"
    assert items[0]["data"]["check_in"] is not None

    page = cast.client_for(cast.manager).get(f"/customers/{shop.pk}/").content.decode()
    assert f'data-testid="timeline-visit-{visit.pk}"' in page
    assert f"/visits/{visit.pk}/" in page


def test_a_check_in_costs_a_few_queries_and_its_replay_fewer(cast, django_assert_num_queries):
    vt, shop = routine(cast.admin, max_distance_m=500), located_customer(cast.rep)
    client = api(cast.rep)
    client.get("/api/v1/me")  # the token's first use is written down once
    key = uuid.uuid4()
    body = {"visit_type_id": vt.pk, "customer_id": shop.pk, "latitude": float(SHOP[0]), "longitude": float(SHOP[1]),
            "accuracy": 12, "fix_at": timezone.now().isoformat()}  # fmt: skip
    # 1 the token; 2 the rep's visits that matter (this client_id's, the open one, the latest three: one UNION
    # ALL); 3 the visit type with its departments and the organization's settings; 4 the customer among those
    # the rep sees; 5 SAVEPOINT; 6 the visit; 7 the rep's track around the check-in (review signals, one bounded
    # read); 8 the customer's last visit; 9 the hooks (schedules: that day's planned visits to the customer are
    # done, one UPDATE); 10 RELEASE. The answer is built from the saved instance.
    with django_assert_num_queries(10):
        first = post(client, "/api/v1/visits", body, key)
    # 1 the token; 2 the visits that matter (the replay among them); 3 the visit as a read gives it (visibility)
    with django_assert_num_queries(3):
        replay = post(client, "/api/v1/visits", body, key)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert first.json() == replay.json() == client.get(f"/api/v1/visits/{first.json()['id']}").json()
