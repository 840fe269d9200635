"""The customer list's filters, shared by the page, the map, the API and the export: each narrows what the user
sees, none reaches another organization, bad values are a field message (API: 400), and the list's query count
does not grow with customers or tags."""

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.customers import services
from fieldloop.customers.models import Customer, Tag
from fieldloop.customers.selectors import CustomerFilters, customer_list, parse_customer_filters

from .test_api import api


def create(actor, name, **fields):
    return services.customer_create(actor=actor, client_id=uuid.uuid4(), name=name, **fields)[0]


def names(qs) -> list[str]:
    return sorted(c.name for c in qs)


def test_each_filter_narrows_the_visible_customers(cast):
    key, dealer = Tag.objects.create(org=cast.org, name="重点"), Tag.objects.create(org=cast.org, name="经销商")
    a = create(cast.rep, "上海甲", province="上海", city="上海", industry="机械", source="referral", tag_ids=[key.pk])
    b = create(cast.rep2, "苏州乙", province="江苏", city="苏州", industry="化工", tag_ids=[dealer.pk])
    c = create(cast.other_branch_rep, "北京丙", city="北京", tag_ids=[key.pk, dealer.pk])
    now = timezone.now()
    Customer.objects.filter(pk=a.pk).update(last_visited_at=now - timedelta(days=3))
    Customer.objects.filter(pk=b.pk).update(
        last_visited_at=now - timedelta(days=40), created_at=now - timedelta(days=60)
    )
    director, manager = cast.director, cast.manager

    def listed(actor, **filters):
        return names(customer_list(actor=actor, filters=CustomerFilters(**filters)))

    assert listed(director, tag_ids=(key.pk,)) == ["上海甲", "北京丙"]
    assert listed(director, tag_ids=(key.pk, dealer.pk)) == ["上海甲", "北京丙", "苏州乙"]  # any of them
    assert listed(manager, tag_ids=(key.pk,)) == ["上海甲"]  # visibility first: Beijing is not the manager's
    assert listed(director, department_id=cast.shanghai.pk) == ["上海甲", "苏州乙"]
    assert listed(director, department_id=cast.sales.pk) == ["上海甲", "北京丙", "苏州乙"]  # the subtree
    assert listed(manager, department_id=cast.beijing.pk) == []  # outside one's scope: no rows
    assert listed(director, province="江苏") == listed(director, city="苏州") == ["苏州乙"]
    assert listed(director, industry="机械", source="referral") == ["上海甲"]
    today = timezone.localdate()
    assert listed(director, created_to=today - timedelta(days=30)) == ["苏州乙"]
    assert listed(director, created_from=today - timedelta(days=1)) == ["上海甲", "北京丙"]
    assert listed(director, visited_from=today - timedelta(days=10), visited_to=today) == ["上海甲"]
    assert listed(director, not_visited_days=14) == ["北京丙", "苏州乙"]  # never visited counts
    theirs = Tag.objects.create(org=cast.other_org, name="对手")
    assert listed(director, tag_ids=(theirs.pk,)) == []
    assert c.pk  # the other branch's customer exists, only filtered


def test_the_page_the_map_and_the_api_read_the_same_names_and_not_visited_is_one_parameter(cast):
    key = Tag.objects.create(org=cast.org, name="重点")
    create(cast.rep, "上海甲", tag_ids=[key.pk], latitude=31.2, longitude=121.4)
    create(cast.rep, "上海乙", latitude=31.3, longitude=121.5)
    client = cast.client_for(cast.manager)
    page = client.get(f"/customers/?tag={key.pk}").content.decode()
    assert "上海甲" in page and "上海乙" not in page
    assert 'data-testid="filter-not-visited"' in page and 'name="not_visited"' in page
    points = client.get(f"/customers/map/points/?tag={key.pk}").json()
    assert [p[3] for p in points] == ["上海甲"]
    for name in ("not_visited", "stale_days"):  # the map's old name still works, on both pages
        assert len(client.get(f"/customers/map/points/?{name}=30").json()) == 2
        assert "上海乙" in client.get(f"/customers/?{name}=30").content.decode()
    map_page = client.get("/customers/map/").content.decode()
    assert 'data-testid="filter-not-visited"' in map_page and 'data-testid="filter-tag"' in map_page
    body = api(cast.manager).get(f"/api/v1/customers?tag_ids={key.pk}&not_visited=30").json()
    assert [c["name"] for c in body["items"]] == ["上海甲"]
    assert body["items"][0]["tags"] == [{"id": key.pk, "name": "重点", "colour": "blue"}]


def test_the_list_sorts_by_the_last_follow_up_across_pages_and_reads_the_old_last_visit_sort(cast):
    now = timezone.now()
    made = [create(cast.rep, f"客户{i}") for i in range(5)]
    for i, customer in enumerate(made[:4]):
        Customer.objects.filter(pk=customer.pk).update(last_followed_up_at=now - timedelta(days=i + 1))
    Customer.objects.filter(pk=made[4].pk).update(last_visited_at=now)  # a visit alone is not what it sorts by
    for sort in ("last_follow_up", "last_visit"):  # the old name, in links and saved filters, still sorts
        body = api(cast.rep).get(f"/api/v1/customers?sort={sort}&limit=2").json()
        order = [c["name"] for c in body["items"]]
        cursor = body["next_cursor"]
        while cursor:
            body = api(cast.rep).get(f"/api/v1/customers?sort={sort}&limit=2&cursor={cursor}").json()
            order += [c["name"] for c in body["items"]]
            cursor = body["next_cursor"]
        assert order == ["客户4", "客户3", "客户2", "客户1", "客户0"]  # never followed up first, then the oldest
    assert body["items"][-1]["last_followed_up_at"] is not None
    client = cast.client_for(cast.rep)
    for sort in ("-last_follow_up", "-last_visit"):
        page = client.get(f"/customers/?sort={sort}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert page.index("客户0") < page.index("客户3") < page.index("客户4"), sort
        assert '?sort=last_follow_up" data-testid="sort-last-follow-up"' in page  # the header turns the order
        assert "最近跟进" in page and 'data-testid="days-since"' in page and "上次拜访" not in page
    page = client.get("/customers/?sort=last_follow_up").content.decode()
    assert page.index("客户4") < page.index("客户0")
    assert '?sort=-last_follow_up" data-testid="sort-last-follow-up"' in page


def test_the_last_follow_up_columns_cards_and_filter_read_the_rollup(cast):
    now = timezone.now()
    recent, old, never = (create(cast.rep, name) for name in ("星河贸易", "远山机械", "白纸商行"))
    Customer.objects.filter(pk=recent.pk).update(last_followed_up_at=now - timedelta(days=2))
    Customer.objects.filter(pk=old.pk).update(
        last_followed_up_at=now - timedelta(days=40), last_visited_at=now - timedelta(days=1)
    )
    client = cast.client_for(cast.manager)
    page = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    day = timezone.localtime(now - timedelta(days=2), ZoneInfo(cast.org.time_zone)).strftime("%Y-%m-%d")
    assert f'data-testid="last-follow-up-cell">{day}</td>' in page
    assert 'data-testid="last-follow-up">最近跟进：2' in page  # the phone's cards, in the cast's zh-Hans
    assert 'data-testid="last-follow-up">尚未跟进' in page
    assert 'name="followed_from"' in page and 'name="visited_from"' not in page  # the page offers the follow-up
    today = timezone.localdate(now, ZoneInfo(cast.org.time_zone))  # the organization's day, as the filter reads it
    week = f"followed_from={today - timedelta(days=7)}&followed_to={today}"
    listed = client.get(f"/customers/?{week}").content.decode()
    assert "星河贸易" in listed and "远山机械" not in listed and "白纸商行" not in listed
    # an old link narrowing by the last visit still does, and the page keeps it when the form is sent again
    by_visit = client.get(f"/customers/?visited_from={today - timedelta(days=7)}").content.decode()
    assert "远山机械" in by_visit and "星河贸易" not in by_visit
    assert f'type="hidden" name="visited_from" value="{today - timedelta(days=7)}"' in by_visit
    rest = api(cast.manager)
    body = rest.get(f"/api/v1/customers?followed_from={today - timedelta(days=7)}&followed_to={today}").json()
    assert [c["name"] for c in body["items"]] == ["星河贸易"]
    visited_on = timezone.localtime(now - timedelta(days=1), ZoneInfo(cast.org.time_zone)).date()
    assert [c["name"] for c in rest.get(f"/api/v1/customers?visited_from={visited_on}").json()["items"]] == ["远山机械"]
    bad = rest.get("/api/v1/customers?followed_from=2026-02-30")
    assert bad.status_code in (400, 422) and "followed_from" in str(bad.json())
    export = cast.client_for(cast.admin).get(f"/customers/export/?{week}&format=csv")
    assert export.status_code == 200
    exported = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "星河贸易" in exported and "远山机械" not in exported and never.pk


def test_bad_filter_values_are_a_field_message_never_a_500_nor_another_orgs_rows(cast):
    create(cast.rep, "上海甲")
    theirs = create(cast.outsider, "对手客户")
    client = cast.client_for(cast.manager)
    for query in (
        "created_from=2026-13-01", "visited_to=yesterday", "followed_to=2026-02-30", "not_visited=-3",
        "not_visited=abc", "tag=x",
        f"tag={theirs.pk}", "department=999999", "level=Z", "source=nowhere", "sort=name", "owner=x",
        "created_from=0001-01-01&created_to=9999-12-31",
    ):  # fmt: skip
        response = client.get(f"/customers/?{query}")
        assert response.status_code == 200, query
        assert "对手客户" not in response.content.decode()
        assert client.get(f"/customers/map/points/?{query}").status_code == 200
    page = client.get("/customers/?created_from=2026-13-01", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="filter-errors"' in page
    _, errors = parse_customer_filters({"created_from": "2026-13-01", "not_visited": "0", "tag": "x"})
    assert sorted(errors) == ["created_from", "not_visited", "tag"]
    rest = api(cast.manager)
    bad = rest.get("/api/v1/customers?created_from=2026-02-30")
    assert bad.status_code in (400, 422) and "created_from" in str(bad.json())
    assert rest.get("/api/v1/customers?not_visited=0").status_code in (400, 422)
    assert rest.get(f"/api/v1/customers?tag_ids={theirs.pk}").json()["items"] == []
    assert rest.get("/api/v1/customers?department_id=999999").json()["items"] == []


def test_the_list_runs_the_same_queries_for_more_customers_and_tags(cast, django_assert_max_num_queries):
    tags = [Tag.objects.create(org=cast.org, name=f"标签{i}") for i in range(3)]
    create(cast.rep, "第一家", tag_ids=[tags[0].pk])
    followed = Customer.objects.filter(org=cast.org)
    followed.update(last_followed_up_at=timezone.now())
    client = cast.client_for(cast.manager)
    url = (
        f"/customers/?tag={tags[0].pk}&tag={tags[1].pk}&department={cast.sales.pk}&not_visited=7"
        f"&followed_from=2020-01-01&sort=last_follow_up"
    )
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(12):
        more = [Tag.objects.create(org=cast.org, name=f"更多{i}")]
        create(cast.rep2, f"又一家{i}", tag_ids=[tags[i % 2].pk, tags[2].pk, more[0].pk])
    followed.update(last_followed_up_at=timezone.now())
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.content.decode().count('data-testid="tag-badge"') >= 12
    rest = api(cast.manager)
    api_url = f"/api/v1/customers?tag_ids={tags[0].pk}&tag_ids={tags[1].pk}&department_id={cast.sales.pk}"
    rest.get(api_url)
    with CaptureQueriesContext(connection) as api_queries:
        assert len(rest.get(api_url).json()["items"]) == 13
    create(cast.rep, "最后一家", tag_ids=[tags[1].pk, tags[2].pk])
    with django_assert_max_num_queries(len(api_queries)):
        assert len(rest.get(api_url).json()["items"]) == 14
