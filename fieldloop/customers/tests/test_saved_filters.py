"""Saved filters: an employee saves the customer list's or the map's filters under a name and applies them in one
click from either page; what is stored is what the one filter parser reads (anything else refused on its name,
nothing saved); a saved filter is its owner's alone (anyone else, an administrator too, gets not found); the
list of them costs the same queries however many there are."""

import re
import threading
import uuid
from datetime import date

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers import saved_filters, services, tags
from fieldloop.customers.models import SAVED_FILTERS_PER_EMPLOYEE, SavedFilter
from fieldloop.customers.selectors import (
    CustomerFilters,
    CustomerSort,
    customer_filters_query,
    parse_customer_filters,
)
from fieldloop.customers.stages import stage_list

from .test_api import api, post

SHANGHAI_A = "city=上海&level=A&not_visited=14"


def refusal(call) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call()
    return caught.value


def a_customer(owner, name, **fields):
    return services.customer_create(actor=owner, client_id=uuid.uuid4(), name=name, allow_duplicates=True, **fields)[0]


# --- The canonical query: what the parser reads, written back -------------------------------------------------


def test_the_canonical_query_reads_back_to_the_same_filters(cast):
    filters = CustomerFilters(
        search="机械", owner_id=cast.rep.pk, level="A", stage_id=3, tag_ids=(4, 9), department_id=cast.shanghai.pk,
        province="上海", city="上海", industry="机械", source="referral", created_from=date(2026, 1, 1),
        created_to=date(2026, 6, 30), visited_from=date(2026, 2, 1), visited_to=date(2026, 3, 1),
        followed_from=date(2026, 4, 1), followed_to=date(2026, 5, 1),
        not_visited_days=14, expiring=True, in_pool=True, archived=True, sort=CustomerSort.LAST_FOLLOW_UP,
    )  # fmt: skip
    query = customer_filters_query(filters)
    assert parse_customer_filters(QueryDict(query)) == (filters, {})
    # a filter saved when the list sorted by the last visit reads as sorted by the last follow-up
    old = query.replace("sort=last_follow_up", "sort=last_visit")
    assert parse_customer_filters(QueryDict(old)) == (filters, {})
    assert parse_customer_filters(QueryDict("sort=-last_visit"))[0].sort == CustomerSort.RECENT_FOLLOW_UP
    assert customer_filters_query(CustomerFilters()) == ""
    assert "sort" not in customer_filters_query(filters, sort=False)


# --- Services --------------------------------------------------------------------------------------------------


def test_saving_stores_the_filters_normalised_for_the_actor_alone(cast):
    tag = tags.tag_create(actor=cast.admin, name="重点")
    saved = saved_filters.saved_filter_create(
        actor=cast.manager,
        name="  上海 A 类  14 天未拜访 ",
        query=f"?not_visited=14&stale_days=&level=A&city=上海&tag={tag.pk}",
    )
    assert saved.name == "上海 A 类 14 天未拜访"
    assert (saved.owner_id, saved.org_id) == (cast.manager.pk, cast.org.pk)
    assert saved.query == f"level=A&tag={tag.pk}&city=%E4%B8%8A%E6%B5%B7&not_visited=14"
    filters = saved_filters.saved_filter_filters(saved)
    assert (filters.level, filters.city, filters.not_visited_days, filters.tag_ids) == ("A", "上海", 14, (tag.pk,))
    # the map's old name is read as the same filter and stored under the one name
    old = saved_filters.saved_filter_create(actor=cast.manager, name="旧链接", query="stale_days=30")
    assert old.query == "not_visited=30"
    assert [s.name for s in saved_filters.saved_filter_list(actor=cast.manager)] == ["上海 A 类 14 天未拜访", "旧链接"]
    assert not saved_filters.saved_filter_list(actor=cast.admin).exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("level=Z", "level"),  # a level that does not exist
        ("source=tv", "source"),
        ("not_visited=0", "not_visited"),
        ("created_from=2026-13-01", "created_from"),
        ("owner=abc", "owner"),
        ("sort=name", "sort"),
        ("colour=red", "colour"),  # a name the parser does not read
        ("shared_with=12", "shared_with"),  # no sharing
        ("", "query"),  # nothing to save
        ("sort=updated", "query"),  # the default order alone filters nothing
    ],
)
def test_what_the_parser_would_drop_is_refused_on_its_name_and_nothing_is_saved(cast, query, field):
    sent = query if field == "query" else f"city=上海&{query}"  # beside a good filter, or alone
    error = refusal(lambda: saved_filters.saved_filter_create(actor=cast.manager, name="坏的", query=sent))
    assert error.code == ErrorCode.INVALID and field in error.fields
    assert not SavedFilter.objects.exists()


def test_rows_the_actor_cannot_choose_are_refused(cast):
    foreign_tag = tags.tag_create(actor=cast.outsider, name="对手标签")
    foreign_stage = stage_list(actor=cast.outsider)[0]
    cases = {
        "tag": f"tag={foreign_tag.pk}",  # another organization's tag
        "stage": f"stage={foreign_stage.pk}",
        "department": f"department={cast.outsider.department_id}",
        "owner": f"owner={cast.other_branch_rep.pk}",  # Ben is in Beijing: Mia cannot see him
    }
    for field, query in cases.items():
        error = refusal(lambda q=query: saved_filters.saved_filter_create(actor=cast.manager, name="越界", query=q))
        assert list(error.fields) == [field]
    assert saved_filters.saved_filter_create(actor=cast.manager, name="Rex", query=f"owner={cast.rep.pk}")
    assert saved_filters.saved_filter_create(actor=cast.director, name="Ben", query=f"owner={cast.other_branch_rep.pk}")
    assert SavedFilter.objects.count() == 2


def test_names_are_unique_per_owner_ignoring_case_and_the_owner_keeps_at_most_the_cap(cast):
    saved_filters.saved_filter_create(actor=cast.manager, name="VIP", query="level=A")
    error = refusal(lambda: saved_filters.saved_filter_create(actor=cast.manager, name="vip", query="level=B"))
    assert error.code == ErrorCode.DUPLICATE and "name" in error.fields
    assert saved_filters.saved_filter_create(actor=cast.rep, name="vip", query="level=B")  # another owner's name
    SavedFilter.objects.bulk_create(
        SavedFilter(org=cast.org, owner=cast.manager, name=f"筛选 {n}", query=f"not_visited={n + 1}")
        for n in range(SAVED_FILTERS_PER_EMPLOYEE - 1)
    )
    error = refusal(lambda: saved_filters.saved_filter_create(actor=cast.manager, name="再一个", query="level=C"))
    assert error.code == ErrorCode.CONFLICT and "name" in error.fields
    assert SavedFilter.objects.filter(owner=cast.manager).count() == SAVED_FILTERS_PER_EMPLOYEE


def test_the_owner_renames_and_refilters_and_deletes_and_nobody_else_can(cast):
    saved = saved_filters.saved_filter_create(actor=cast.manager, name="A 类", query="level=A")
    saved_filters.saved_filter_create(actor=cast.manager, name="B 类", query="level=B")
    for other in (cast.admin, cast.director, cast.rep, cast.outsider):
        for call in (
            lambda other=other: saved_filters.saved_filter_get(actor=other, saved_filter_id=saved.pk),
            lambda other=other: saved_filters.saved_filter_update(actor=other, saved_filter_id=saved.pk, name="我的"),
            lambda other=other: saved_filters.saved_filter_delete(actor=other, saved_filter_id=saved.pk),
        ):
            assert refusal(call).code == ErrorCode.NOT_FOUND
    assert (
        refusal(
            lambda: saved_filters.saved_filter_update(actor=cast.manager, saved_filter_id=saved.pk, name="b 类")
        ).code
        == ErrorCode.DUPLICATE
    )
    assert (
        "level"
        in refusal(
            lambda: saved_filters.saved_filter_update(actor=cast.manager, saved_filter_id=saved.pk, query="level=Q")
        ).fields
    )
    saved_filters.saved_filter_update(
        actor=cast.manager, saved_filter_id=saved.pk, name="A 类客户", query="level=A&city=上海"
    )
    saved.refresh_from_db()
    assert (saved.name, saved_filters.saved_filter_filters(saved).city) == ("A 类客户", "上海")
    saved_filters.saved_filter_delete(actor=cast.manager, saved_filter_id=saved.pk)
    assert list(SavedFilter.objects.values_list("name", flat=True)) == ["B 类"]


def test_saving_costs_a_few_queries_whatever_the_tags_named(cast, django_assert_max_num_queries):
    ids = [tags.tag_create(actor=cast.admin, name=f"标签{n}").pk for n in range(20)]
    query = f"owner={cast.rep.pk}&department={cast.shanghai.pk}&stage={stage_list(actor=cast.manager)[0].pk}&"
    query += "&".join(f"tag={pk}" for pk in ids)
    with django_assert_max_num_queries(9):  # 4 checks, the lock, the names, the insert, a savepoint and its release
        saved = saved_filters.saved_filter_create(actor=cast.manager, name="全部条件", query=query)
    assert saved_filters.saved_filter_filters(saved).tag_ids == tuple(sorted(ids))


@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_at_once_cannot_pass_the_cap_nor_share_a_name(cast):
    SavedFilter.objects.bulk_create(
        SavedFilter(org=cast.org, owner=cast.manager, name=f"筛选 {n}", query=f"not_visited={n + 1}")
        for n in range(SAVED_FILTERS_PER_EMPLOYEE - 2)
    )

    def at_once(names):
        barrier, outcomes = threading.Barrier(len(names)), []

        def save(name):
            from django.db import connection as thread_connection

            try:
                barrier.wait()
                saved_filters.saved_filter_create(actor=cast.manager, name=name, query="level=A")
                outcomes.append("saved")
            except ServiceError as e:
                outcomes.append(str(e.code))
            finally:
                thread_connection.close()

        threads = [threading.Thread(target=save, args=(name,)) for name in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sorted(outcomes)

    assert at_once(["上海 A 类", "上海 a 类"]) == ["duplicate", "saved"]
    assert at_once(["最后一个", "多一个"]) == ["conflict", "saved"]  # the 50th, and one too many
    assert SavedFilter.objects.filter(owner=cast.manager).count() == SAVED_FILTERS_PER_EMPLOYEE


# --- Web --------------------------------------------------------------------------------------------------------


def test_a_manager_saves_the_lists_filters_and_applies_them_from_the_list_and_the_map(cast):
    a_customer(cast.rep, "上海甲", city="上海", level="A")
    a_customer(cast.rep, "苏州乙", city="苏州", level="A")
    client = cast.client_for(cast.manager)
    page = client.get("/customers/", {"city": "上海", "level": "A", "not_visited": "14"}).content.decode()
    assert 'data-testid="save-filter-form"' in page and 'data-testid="saved-filter-in-force"' not in page
    response = client.post(
        "/customers/saved-filters/new/", {"name": "上海 A 类 14 天未拜访", "query": SHANGHAI_A, "page": "list"}
    )
    saved = SavedFilter.objects.get(owner=cast.manager)
    assert response.status_code == 302 and response["Location"] == f"/customers/?{saved.query}"
    for url in ("/customers/", "/customers/map/"):
        page = client.get(url).content.decode()
        assert (
            f'href="{url}?{escape(saved.query)}" data-testid="saved-filter-link" data-saved-filter-id="{saved.pk}"'
            in page
        )
        assert 'data-testid="saved-filter-in-force"' not in page
        applied = client.get(f"{url}?{saved.query}").content.decode()
        assert f'data-testid="saved-filter-in-force" data-saved-filter-id="{saved.pk}"' in applied
        assert 'data-testid="save-filter-form"' not in applied  # it is saved already
    listed = client.get(f"/customers/?{saved.query}").content.decode()
    assert "上海甲" in listed and "苏州乙" not in listed
    # sorting the list keeps the saved filter in force; changing a filter does not
    assert (
        'data-testid="saved-filter-in-force"'
        in client.get(f"/customers/?{saved.query}&sort=last_visit").content.decode()
    )
    assert (
        'data-testid="saved-filter-in-force"' not in client.get(f"/customers/?{saved.query}&level=B").content.decode()
    )
    # nobody else sees it on their list
    assert 'data-testid="saved-filter-link"' not in cast.client_for(cast.admin).get("/customers/").content.decode()


def test_a_search_on_the_phone_keeps_the_saved_filter_in_force(cast):
    """The phone's search form sends what the list had besides its own fields (a saved filter, a chip, the sort),
    as a browser sends a form: its inputs, the search typed in."""
    a_customer(cast.rep, "上海甲机械", city="上海", level="A")
    a_customer(cast.rep, "上海丙机械", city="上海", level="B")
    a_customer(cast.rep, "苏州乙机械", city="苏州", level="A")
    client = cast.client_for(cast.manager)
    client.post("/customers/saved-filters/new/", {"name": "上海 A 类", "query": "city=上海&level=A", "page": "list"})
    saved = SavedFilter.objects.get(owner=cast.manager)
    page = client.get(f"/customers/?{saved.query}&sort=last_visit").content.decode()
    form = page[page.index('<div class="d-lg-none customer-cards"') :]
    form = form[: form.index("</form>")]
    sent = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    assert ("q", "机械") not in sent and ("sort", "last_visit") in sent
    searched = client.get("/customers/", [*sent, ("q", "机械")]).content.decode()
    cards = re.findall(r'data-testid="customer-card"[^>]*>\s*<div[^>]*><span[^>]*>([^<]+)<', searched)
    assert cards == ["上海甲机械"]
    assert f'data-testid="saved-filter-in-force" data-saved-filter-id="{saved.pk}"' not in searched  # q is new
    assert 'value="机械"' in searched


def test_htmx_saves_from_the_map_and_answers_the_bar_with_the_filter_in_force_or_the_error(cast):
    client = cast.client_for(cast.manager)
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = client.post(
        "/customers/saved-filters/new/", {"name": "上海", "query": "city=上海", "page": "map"}, **htmx
    )
    saved = SavedFilter.objects.get()
    body = response.content.decode()
    assert response.status_code == 200 and 'id="saved-filters"' in body
    assert f'href="/customers/map/?{escape(saved.query)}"' in body and f'data-saved-filter-id="{saved.pk}"' in body
    clash = client.post("/customers/saved-filters/new/", {"name": "上海", "query": "level=A", "page": "map"}, **htmx)
    assert clash.status_code == 400 and 'data-testid="save-filter-error"' in clash.content.decode()
    bad = client.post("/customers/saved-filters/new/", {"name": "坏", "query": "level=Z", "page": "list"}, **htmx)
    assert bad.status_code == 400 and 'data-testid="save-filter-error"' in bad.content.decode()
    assert SavedFilter.objects.count() == 1
    # without htmx, a refusal goes back to the page's filters with a message
    plain = client.post("/customers/saved-filters/new/", {"name": "", "query": "city=上海", "page": "map"})
    assert plain.status_code == 302 and plain["Location"] == "/customers/map/?city=%E4%B8%8A%E6%B5%B7"


def test_the_management_page_renames_and_deletes_only_ones_own(cast):
    tag = tags.tag_create(actor=cast.admin, name="重点")
    saved = saved_filters.saved_filter_create(actor=cast.manager, name="重点客户", query=f"tag={tag.pk}&not_visited=14")
    client = cast.client_for(cast.manager)
    page = client.get("/customers/saved-filters/").content.decode()
    assert f'data-saved-filter-id="{saved.pk}"' in page and "重点" in page and "14" in page
    assert f'href="/customers/map/?{escape(saved.query)}" data-testid="open-map"' in page
    assert (
        client.post(f"/customers/saved-filters/{saved.pk}/", {"action": "rename", "name": "重点 14 天"}).status_code
        == 302
    )
    saved.refresh_from_db()
    assert saved.name == "重点 14 天"
    for other in (cast.admin, cast.rep, cast.outsider):
        other_client = cast.client_for(other)
        assert (
            f'data-saved-filter-id="{saved.pk}"' not in other_client.get("/customers/saved-filters/").content.decode()
        )
        for data in ({"action": "rename", "name": "抢走"}, {"action": "rename", "name": ""}, {"action": "delete"}):
            assert other_client.post(f"/customers/saved-filters/{saved.pk}/", data).status_code == 404
    saved.refresh_from_db()
    assert saved.name == "重点 14 天"
    deleted = client.post(f"/customers/saved-filters/{saved.pk}/", {"action": "delete"}, HTTP_HX_REQUEST="true")
    assert deleted.status_code == 200 and not SavedFilter.objects.exists()


def test_the_pages_read_the_saved_filters_in_one_query_however_many(cast):
    client = cast.client_for(cast.manager)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    tag = tags.tag_create(actor=cast.admin, name="重点")
    stage = stage_list(actor=cast.manager)[0].pk
    every_kind = f"owner={cast.rep.pk}&department={cast.shanghai.pk}&stage={stage}&tag={tag.pk}"
    saved_filters.saved_filter_create(actor=cast.manager, name="一", query=every_kind)
    few = {url: queries(url) for url in ("/customers/", "/customers/map/", "/customers/saved-filters/")}
    for n in range(15):
        query = f"owner={cast.rep2.pk}&department={cast.shanghai.pk}&tag={tag.pk}&not_visited={n + 1}"
        saved_filters.saved_filter_create(actor=cast.manager, name=f"筛选{n}", query=query)
    assert {url: queries(url) for url in few} == few
    assert few["/customers/saved-filters/"] <= 11  # the session, the employee, the saved filters, 4 kinds of names


# --- API --------------------------------------------------------------------------------------------------------


def test_the_api_saves_lists_in_pages_renames_and_deletes_ones_own_filters(cast):
    client = api(cast.manager)
    key = uuid.uuid4()
    first = post(client, "/api/v1/customer-filters", {"name": "上海 A 类", "query": SHANGHAI_A}, key)
    replay = post(client, "/api/v1/customer-filters", {"name": "上海 A 类", "query": SHANGHAI_A}, key)
    assert first.status_code == replay.status_code == 201 and first.json() == replay.json()
    body = first.json()
    assert body["query"] == "level=A&city=%E4%B8%8A%E6%B5%B7&not_visited=14"
    assert (
        body["filters"]["level"] == "A" and body["filters"]["city"] == "上海" and body["filters"]["not_visited"] == 14
    )
    assert body["filters"]["tag_ids"] == [] and body["filters"]["sort"] == "updated"
    for n in range(4):
        assert (
            post(client, "/api/v1/customer-filters", {"name": f"筛选 {n}", "query": f"not_visited={n + 1}"}).status_code
            == 201
        )
    names, cursor = [], None
    while True:
        page = client.get("/api/v1/customer-filters", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        names += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert names == ["上海 A 类", "筛选 0", "筛选 1", "筛选 2", "筛选 3"]
    pk = body["id"]
    renamed = client.patch(f"/api/v1/customer-filters/{pk}", {"name": "沪 A"}, content_type="application/json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "沪 A" and renamed.json()["query"] == body["query"]
    refiltered = client.patch(f"/api/v1/customer-filters/{pk}", {"query": "level=B"}, content_type="application/json")
    assert refiltered.json()["filters"]["level"] == "B"
    assert client.delete(f"/api/v1/customer-filters/{pk}").status_code == 204
    assert SavedFilter.objects.filter(owner=cast.manager).count() == 4


def test_the_api_refuses_others_filters_sharing_and_bad_filters(cast):
    saved = saved_filters.saved_filter_create(actor=cast.manager, name="Mia 的", query="level=A")
    admin = api(cast.admin)
    assert admin.get("/api/v1/customer-filters").json()["items"] == []
    patched = admin.patch(f"/api/v1/customer-filters/{saved.pk}", {"name": "Ada 的"}, content_type="application/json")
    assert patched.status_code == 404 and patched.json()["code"] == "not_found"
    assert admin.delete(f"/api/v1/customer-filters/{saved.pk}").status_code == 404
    # there is no owner to give and nothing to share with: such a field is refused
    client = api(cast.manager)
    for extra in ({"owner_id": cast.admin.pk}, {"shared_with": [cast.rep.pk]}, {"org_id": cast.other_org.pk}):
        response = post(client, "/api/v1/customer-filters", {"name": "共享", "query": "level=B", **extra})
        assert response.status_code == 422 and response.json()["code"] == "invalid", extra
        with translation.override("zh-hans"):
            assert response.json()["fields"] == {next(iter(extra)): [translation.gettext("Unknown field.")]}
    sneak = client.patch(
        f"/api/v1/customer-filters/{saved.pk}", {"owner_id": cast.rep.pk}, content_type="application/json"
    )
    assert sneak.status_code == 422
    foreign = tags.tag_create(actor=cast.outsider, name="对手")
    bad = post(client, "/api/v1/customer-filters", {"name": "坏", "query": f"level=Z&tag={foreign.pk}"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"level", "tag"}  # every refusal at once
    bad = post(client, "/api/v1/customer-filters", {"name": "坏", "query": f"tag={foreign.pk}"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"tag"}
    clash = post(client, "/api/v1/customer-filters", {"name": "mia 的", "query": "level=C"})
    assert clash.status_code == 409 and "name" in clash.json()["fields"]
    assert list(SavedFilter.objects.values_list("owner__name", "name")) == [("Mia", "Mia 的")]


def test_the_api_list_costs_the_same_queries_however_many_filters(cast):
    client = api(cast.manager)
    saved_filters.saved_filter_create(actor=cast.manager, name="一", query="level=A")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/customer-filters").status_code == 200
        return len(ctx)

    queries()  # the token's first use is recorded once
    few = queries()
    for n in range(20):
        saved_filters.saved_filter_create(actor=cast.manager, name=f"筛选{n}", query=f"not_visited={n + 1}&level=B")
    assert queries() == few
