"""The customer map: its page and the points it fetches, through real HTTP requests."""

import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.customers import map_views, services
from fieldloop.customers.stages import stage_list


def create(actor, name, *, located=True, **fields):
    if located:
        fields.setdefault("latitude", "31.230400")
        fields.setdefault("longitude", "121.473700")
    return services.customer_create(actor=actor, client_id=uuid.uuid4(), name=name, **fields)[0]


def points(client, query=""):
    response = client.get(f"/customers/map/points/{query}")
    assert response.status_code == 200
    return response.json()


def names(rows):
    return [row[3] for row in rows]


def test_the_points_are_the_visible_located_customers_by_id(cast):
    mine = create(cast.rep, "上海精工机械", level="A")
    colleagues = create(cast.rep2, "浦东新材料")
    create(cast.rep, "没有坐标的客户", located=False)
    create(cast.other_branch_rep, "北京重工")
    create(cast.outsider, "对手的客户")

    rows = points(cast.client_for(cast.manager))

    assert rows == [
        [31.2304, 121.4737, mine.pk, "上海精工机械", "A"],
        [31.2304, 121.4737, colleagues.pk, "浦东新材料", colleagues.level],
    ]
    assert names(points(cast.client_for(cast.rep))) == ["上海精工机械"]
    assert sorted(names(points(cast.client_for(cast.admin)))) == ["上海精工机械", "北京重工", "浦东新材料"]


def test_archived_customers_are_not_on_the_map(cast):
    customer = create(cast.rep, "已归档客户")
    services.customer_archive(actor=cast.rep, customer_id=customer.pk)
    assert points(cast.client_for(cast.rep)) == []


def test_the_points_honour_the_list_filters(cast):
    create(cast.rep, "上海精工机械", level="A")
    create(cast.rep2, "浦东新材料", level="C")
    client = cast.client_for(cast.manager)

    assert names(points(client, f"?owner={cast.rep2.pk}")) == ["浦东新材料"]
    assert names(points(client, "?level=A")) == ["上海精工机械"]
    assert names(points(client, "?q=精工")) == ["上海精工机械"]
    stage = stage_list(actor=cast.admin)[1]
    assert points(client, f"?stage={stage.pk}") == []
    assert len(points(client, "?level=bogus&owner=x&stage=y&stale_days=-3")) == 2


def test_not_visited_for_n_days_filters_on_the_last_visit_and_never_visited_counts(cast):
    long_ago = create(cast.rep, "很久没拜访")
    recent = create(cast.rep, "刚拜访过")
    never = create(cast.rep, "从未拜访")
    now = timezone.now()
    services.customer_visited(customer_id=long_ago.pk, at=now - timedelta(days=40))
    services.customer_visited(customer_id=recent.pk, at=now - timedelta(days=2))
    services.customer_visited(customer_id=recent.pk, at=now - timedelta(days=50))  # a late, older visit: no effect
    client = cast.client_for(cast.rep)

    assert sorted(names(points(client, "?stale_days=30"))) == sorted(["很久没拜访", never.name])
    assert names(points(client, "?stale_days=60")) == [never.name]
    listed = client.get("/customers/?not_visited=30").content.decode()
    assert "很久没拜访" in listed and "刚拜访过" not in listed


def test_the_points_are_one_query_however_many_customers(cast):
    client = cast.client_for(cast.manager)
    create(cast.rep, "客户 0")
    client.get("/customers/map/points/")  # warm the session and the stages
    with CaptureQueriesContext(connection) as one:
        assert len(points(client)) == 1
    for i in range(1, 6):
        create(cast.rep2 if i % 2 else cast.rep, f"客户 {i}")
    with CaptureQueriesContext(connection) as six:
        assert len(points(client)) == 6
    assert len(six) == len(one)
    assert sum("customers_customer" in q["sql"] for q in six.captured_queries) == 1


def test_the_points_stop_at_the_cap_and_say_so(cast, monkeypatch):
    monkeypatch.setattr(map_views, "MAX_POINTS", 2)
    first, second = create(cast.rep, "一号"), create(cast.rep, "二号")
    client = cast.client_for(cast.rep)
    response = client.get("/customers/map/points/")
    assert response["X-Fieldloop-Capped"] == "0"
    create(cast.rep, "三号")
    response = client.get("/customers/map/points/")
    assert [row[2] for row in response.json()] == [first.pk, second.pk]
    assert response["X-Fieldloop-Capped"] == "1"


def test_the_map_page_renders_with_the_filters_and_the_points_url(cast, settings):
    settings.FIELDLOOP_MAP_TILE_URL = ""
    response = cast.client_for(cast.manager).get(f"/customers/map/?level=A&owner={cast.rep.pk}&stale_days=30")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="customer-map"' in page
    assert f"/customers/map/points/?level=A&amp;owner={cast.rep.pk}&amp;stale_days=30" in page
    assert 'data-tiles=""' in page
    assert "vendor/leaflet-markercluster/leaflet.markercluster.js" in page
    assert "vendor/leaflet-heat/leaflet-heat.js" in page
    # the map's old name for "not visited for N days" is read into the one the list and the map share
    assert 'name="not_visited" value="30"' in page


def test_the_map_page_passes_the_tile_url_when_one_is_configured(cast, settings):
    settings.FIELDLOOP_MAP_TILE_URL = "https://tiles.example.com/{z}/{x}/{y}.png"
    page = cast.client_for(cast.rep).get("/customers/map/").content.decode()
    assert 'data-tiles="https://tiles.example.com/{z}/{x}/{y}.png"' in page


def test_the_customer_list_links_to_the_map_with_its_filters(cast):
    page = cast.client_for(cast.rep).get("/customers/?level=A").content.decode()
    assert 'href="/customers/map/?level=A"' in page
