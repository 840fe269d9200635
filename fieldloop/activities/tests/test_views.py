"""The pages: the feed with its filters, a new record for a customer, the record with comments in place,
editing within the window, the customer's timeline, the settings; constant queries for the feed and timeline."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.activities.models import ActivitySettings, WorkRecord, WorkRecordComment
from fieldloop.formtemplates.models import Purpose

from .helpers import customer, file_call, file_daily, many_records, template


def test_the_feed_shows_the_teams_records_as_cards(cast):
    shop = customer(cast.rep, "上海精工机械有限公司")
    record = file_call(cast.rep, shop)
    file_daily(cast.other_branch_rep)
    page = cast.client_for(cast.manager).get("/work/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-testid="record-{record.pk}"' in html
    assert "上海精工机械有限公司" in html
    assert "需跟进" in html  # the call's result, through the template's display
    assert "Ben" not in html


def test_the_feed_filters_from_the_query_string_and_pages_by_htmx(cast):
    shop = customer(cast.rep)
    many_records(cast.rep, shop, 25)
    file_daily(cast.rep2)
    client = cast.client_for(cast.manager)
    html = client.get(f"/work/?employee={cast.rep2.pk}").content.decode()
    assert html.count('class="card mb-2 record-card"') == 1
    html = client.get("/work/").content.decode()
    assert 'id="feed-more"' in html
    cursor = html.split("cursor=")[1].split('"')[0]
    more = client.get(f"/work/?cursor={cursor}", HTTP_HX_REQUEST="true").content.decode()
    assert more.count('class="card mb-2 record-card"') == 6
    assert "<html" not in more


def test_the_feed_and_the_timeline_cost_the_same_queries_for_10_and_50_records(cast):
    shop = customer(cast.rep)
    client = cast.client_for(cast.manager)
    many_records(cast.rep, shop, 10)
    client.get("/work/")
    with CaptureQueriesContext(connection) as feed_small:
        client.get("/work/")
    with CaptureQueriesContext(connection) as timeline_small:
        client.get(f"/customers/{shop.pk}/")
    many_records(cast.rep, shop, 40)
    with CaptureQueriesContext(connection) as feed_large:
        client.get("/work/")
    with CaptureQueriesContext(connection) as timeline_large:
        client.get(f"/customers/{shop.pk}/")
    assert len(feed_large) == len(feed_small)
    assert len(timeline_large) == len(timeline_small)


def test_the_customers_timeline_merges_records_and_events_newest_first_and_pages(cast):
    shop = customer(cast.rep)
    many_records(cast.rep, shop, 25)
    latest = file_call(cast.manager, shop)
    client = cast.client_for(cast.rep)
    html = client.get(f"/customers/{shop.pk}/").content.decode()
    assert html.split('data-testid="timeline-record-')[1].startswith(f'{latest.pk}"')  # the newest first
    assert html.count('data-testid="timeline-record-') == 20
    assert "/work/new/?customer=" in html
    seen = html.count('data-testid="timeline-record-')
    cursor = html.split('hx-get="?cursor=')[1].split('"')[0]
    more = client.get(f"/customers/{shop.pk}/?cursor={cursor}", HTTP_HX_REQUEST="true").content.decode()
    seen += more.count('data-testid="timeline-record-')
    assert seen == 26
    assert "已创建" in more or "Created" in more  # the customer's own creation event comes last


def test_a_rep_files_a_call_from_the_customer_page(cast):
    shop = customer(cast.rep)
    call = template(cast.rep, Purpose.CALL)
    client = cast.client_for(cast.rep)
    choose = client.get(f"/work/new/?customer={shop.pk}").content.decode()
    assert f"/work/new/{call.pk}/?customer={shop.pk}" in choose
    url = f"/work/new/{call.pk}/?customer={shop.pk}"
    form = client.get(url)
    assert form.status_code == 200
    data = {"client_id": str(uuid.uuid4()), "customer_id": shop.pk, "v-direction": "outbound", "v-notes": "报价"}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert 'data-testid="error-result"' in refused.content.decode()
    assert not WorkRecord.objects.exists()
    response = client.post(url, {**data, "v-result": "interested", "v-duration_minutes": "5"})
    record = WorkRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/work/{record.pk}/"
    assert record.customer == shop
    assert record.values == {"direction": "outbound", "duration_minutes": 5, "result": "interested", "notes": "报价"}
    assert client.post(url, {**data, "v-result": "interested"}).status_code == 302  # the same client_id again
    assert WorkRecord.objects.count() == 1


def test_a_rep_may_not_file_for_another_branchs_customer(cast):
    theirs = customer(cast.other_branch_rep)
    call = template(cast.rep, Purpose.CALL)
    client = cast.client_for(cast.rep)
    assert client.get(f"/work/new/{call.pk}/?customer={theirs.pk}").status_code == 404
    data = {
        "client_id": str(uuid.uuid4()),
        "customer_id": theirs.pk,
        "v-direction": "outbound",
        "v-result": "no_answer",
    }
    response = client.post(f"/work/new/{call.pk}/", data)
    assert 'data-testid="error-customer_id"' in response.content.decode()
    assert not WorkRecord.objects.exists()


def test_the_manager_comments_in_place_and_the_rep_replies(cast):
    record = file_call(cast.rep, customer(cast.rep))
    manager = cast.client_for(cast.manager)
    url = f"/work/{record.pk}/comments/"
    partial = manager.post(url, {"client_id": str(uuid.uuid4()), "body": "明天再跟一次"}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "明天再跟一次" in html and "<html" not in html
    comment = WorkRecordComment.objects.get()
    rep = cast.client_for(cast.rep)
    response = rep.post(url, {"client_id": str(uuid.uuid4()), "body": "好的", "parent_id": comment.pk})
    assert response.status_code == 302
    page = rep.get(f"/work/{record.pk}/").content.decode()
    assert "好的" in page and "明天再跟一次" in page
    assert cast.client_for(cast.rep2).get(f"/work/{record.pk}/").status_code == 404


def test_the_author_edits_within_the_window_with_history(cast):
    record = file_call(cast.rep, customer(cast.rep))
    client = cast.client_for(cast.rep)
    assert 'data-testid="edit-record"' in client.get(f"/work/{record.pk}/").content.decode()
    data = {"v-direction": "inbound", "v-result": "interested", "v-duration_minutes": "12", "v-notes": "谈了新报价"}
    response = client.post(f"/work/{record.pk}/edit/", data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.values["direction"] == "inbound"
    page = client.get(f"/work/{record.pk}/").content.decode()
    assert 'data-testid="revisions"' in page
    assert "呼叫方向: 呼出 → 呼入" in page  # the field's label and its values as displayed
    assert 'data-testid="edit-record"' not in cast.client_for(cast.manager).get(f"/work/{record.pk}/").content.decode()
    assert cast.client_for(cast.manager).post(f"/work/{record.pk}/edit/", data).status_code == 302  # refused


def test_only_an_admin_sets_the_edit_window(cast):
    assert cast.client_for(cast.manager).get("/work/settings/").status_code == 403
    assert 'data-testid="activity-settings"' in cast.client_for(cast.admin).get("/work/").content.decode()
    response = cast.client_for(cast.admin).post("/work/settings/", {"edit_window_hours": "6"})
    assert response.status_code == 302
    assert ActivitySettings.objects.get(org=cast.org).edit_window_hours == 6
