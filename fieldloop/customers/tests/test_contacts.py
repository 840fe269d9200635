"""Contacts in full (edit, archive, one primary, the contacts list) and restoring an archived customer: through
the services, the pages and the API, with the shared cast (Rex and Ria in Shanghai under Mia, Ben in Beijing)."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers import services
from fieldloop.customers.duplicates import customer_merge as merge_customers
from fieldloop.customers.models import Contact, Customer, CustomerEvent, CustomerEventKind

from .test_api import api, post


def customer(owner, name="上海精工机械有限公司", **fields):
    return services.customer_create(actor=owner, client_id=uuid.uuid4(), name=name, allow_duplicates=True, **fields)[0]


def contact(actor, customer_, name, **fields):
    return services.contact_create(actor=actor, customer_id=customer_.pk, client_id=uuid.uuid4(), name=name, **fields)[
        0
    ]


def primaries(customer_):
    return list(
        Contact.objects.filter(customer=customer_, is_primary=True, archived_at__isnull=True).values_list(
            "name", flat=True
        )
    )


# --- Services --------------------------------------------------------------------------------------------------


def test_making_another_contact_primary_leaves_exactly_one_primary(cast):
    shop = customer(cast.rep)
    wang, li = contact(cast.rep, shop, "王经理"), contact(cast.rep, shop, "李工")
    assert primaries(shop) == ["王经理"]
    services.contact_update(actor=cast.rep, contact_id=li.pk, is_primary=True)
    assert primaries(shop) == ["李工"]
    event = CustomerEvent.objects.filter(customer=shop, kind=CustomerEventKind.CONTACT_UPDATED).latest("id")
    assert event.changes == {"is_primary": [False, True]} and event.summary == "李工"
    wang.refresh_from_db()
    assert not wang.is_primary


def test_the_primary_contact_cannot_be_unmade_primary_directly(cast):
    shop = customer(cast.rep)
    wang = contact(cast.rep, shop, "王经理")
    with translation.override("zh-hans"), pytest.raises(ServiceError) as refused:
        services.contact_update(actor=cast.rep, contact_id=wang.pk, is_primary=False, title="总经理")
    assert refused.value.code == ErrorCode.INVALID and "is_primary" in refused.value.fields
    wang.refresh_from_db()
    assert wang.is_primary and wang.title == ""


def test_archiving_the_primary_contact_makes_the_earliest_other_one_primary(cast):
    shop = customer(cast.rep)
    wang = contact(cast.rep, shop, "王经理")
    contact(cast.rep, shop, "赵会计")
    contact(cast.rep, shop, "李工")
    archived = services.contact_archive(actor=cast.rep, contact_id=wang.pk)
    assert archived.archived_at is not None and not archived.is_primary
    assert primaries(shop) == ["赵会计"]  # added before 李工
    event = CustomerEvent.objects.filter(customer=shop).latest("id")
    assert event.kind == CustomerEventKind.CONTACT_ARCHIVED and event.summary == "王经理"
    assert event.changes == {"archived": [False, True], "primary_contact": ["王经理", "赵会计"]}
    assert services.contact_archive(actor=cast.rep, contact_id=wang.pk).archived_at == archived.archived_at
    assert CustomerEvent.objects.filter(customer=shop, kind=CustomerEventKind.CONTACT_ARCHIVED).count() == 1


def test_the_last_contact_may_be_archived_and_the_customer_then_has_none(cast):
    shop = customer(cast.rep)
    wang = contact(cast.rep, shop, "王经理")
    services.contact_archive(actor=cast.rep, contact_id=wang.pk)
    assert primaries(shop) == []
    # the next contact added is the primary one again
    assert contact(cast.rep, shop, "钱经理").is_primary


def test_an_archived_contact_is_not_changed(cast):
    shop = customer(cast.rep)
    wang = contact(cast.rep, shop, "王经理")
    contact(cast.rep, shop, "李工")
    services.contact_archive(actor=cast.rep, contact_id=wang.pk)
    with pytest.raises(ServiceError) as refused:
        services.contact_update(actor=cast.rep, contact_id=wang.pk, is_primary=True)
    assert refused.value.code == ErrorCode.CONFLICT
    assert primaries(shop) == ["李工"]


def test_a_collaborator_sees_but_may_not_archive_a_contact(cast):
    shop = customer(cast.other_branch_rep, collaborator_ids=[cast.rep.pk])
    wang = contact(cast.other_branch_rep, shop, "王经理")
    with pytest.raises(ServiceError) as refused:
        services.contact_archive(actor=cast.rep, contact_id=wang.pk)
    assert refused.value.code == ErrorCode.FORBIDDEN
    assert Contact.objects.get(pk=wang.pk).archived_at is None


def test_the_database_holds_one_active_primary_per_customer(cast):
    """The partial unique constraint: whatever a service forgets, two active primaries cannot be stored; an archived
    one does not count."""
    shop = customer(cast.rep)
    wang = contact(cast.rep, shop, "王经理")
    li = contact(cast.rep, shop, "李工")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=li.pk).update(is_primary=True)
    Contact.objects.filter(pk=wang.pk).update(archived_at=wang.created_at)
    Contact.objects.filter(pk=li.pk).update(is_primary=True)
    assert primaries(shop) == ["李工"]


def test_restoring_an_archived_customer_records_it_on_the_timeline(cast):
    shop = customer(cast.rep)
    services.customer_archive(actor=cast.manager, customer_id=shop.pk)
    restored = services.customer_restore(actor=cast.manager, customer_id=shop.pk)
    assert restored.archived_at is None
    assert Customer.objects.get(pk=shop.pk).archived_at is None
    event = CustomerEvent.objects.filter(customer=shop).latest("id")
    assert (event.kind, event.actor_id) == (CustomerEventKind.RESTORED, cast.manager.pk)
    assert event.changes == {"archived": [True, False]}
    services.customer_restore(actor=cast.manager, customer_id=shop.pk)  # not archived: nothing to do
    assert CustomerEvent.objects.filter(customer=shop, kind=CustomerEventKind.RESTORED).count() == 1


def test_a_customer_merged_into_another_is_not_restored_and_takes_no_new_contact(cast):
    keep, gone = customer(cast.rep), customer(cast.rep, "上海精工机械")
    merge_customers(actor=cast.manager, keep_id=keep.pk, merge_id=gone.pk)
    with pytest.raises(ServiceError) as refused:
        services.customer_restore(actor=cast.manager, customer_id=gone.pk)
    assert refused.value.code == ErrorCode.CONFLICT and "合并" in str(refused.value.message)
    assert Customer.objects.get(pk=gone.pk).archived_at is not None
    with pytest.raises(ServiceError) as archived:
        contact(cast.rep, gone, "张三")
    assert archived.value.code == ErrorCode.CONFLICT
    assert not Contact.objects.filter(customer=gone).exists()
    services.customer_archive(actor=cast.manager, customer_id=keep.pk)  # the one kept can be archived and back
    assert services.customer_restore(actor=cast.manager, customer_id=keep.pk).archived_at is None


def test_restoring_needs_the_right_to_archive(cast):
    shop = customer(cast.other_branch_rep, collaborator_ids=[cast.rep.pk])
    services.customer_archive(actor=cast.other_branch_rep, customer_id=shop.pk)
    with pytest.raises(ServiceError) as refused:
        services.customer_restore(actor=cast.rep, customer_id=shop.pk)  # a collaborator: sees, may not change
    assert refused.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(ServiceError) as hidden:
        services.customer_restore(actor=cast.rep2, customer_id=shop.pk)  # Ria does not see Ben's customer
    assert hidden.value.code == ErrorCode.NOT_FOUND
    assert Customer.objects.get(pk=shop.pk).archived_at is not None


# --- Pages -----------------------------------------------------------------------------------------------------


def edit_data(c, **overrides):
    data = {f: getattr(c, f) or "" for f in ("name", "title", "mobile", "phone", "email", "wechat", "notes")}
    data["birthday"] = c.birthday.isoformat() if c.birthday else ""
    if c.is_primary:
        data["is_primary"] = "on"
    return data | overrides


def test_a_rep_edits_a_contact_on_its_page(cast):
    shop = customer(cast.rep)
    wang = contact(cast.rep, shop, "王经理")
    client = cast.client_for(cast.rep)
    page = client.get(f"/customers/contacts/{wang.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="contact-edit-form"' in page and "上海精工机械有限公司" in page
    response = client.post(f"/customers/contacts/{wang.pk}/", edit_data(wang, title="采购总监", mobile="13900001111"))
    assert response.status_code == 302 and response["Location"] == f"/customers/{shop.pk}/#tab-contacts"
    wang.refresh_from_db()
    assert (wang.title, wang.mobile, wang.is_primary) == ("采购总监", "13900001111", True)
    timeline = client.get(f"/customers/{shop.pk}/").content.decode().split('data-testid="timeline"')[1]
    assert "采购总监" in timeline


def test_a_bad_phone_is_shown_on_its_field_and_nothing_changes(cast):
    shop = customer(cast.rep)
    wang = contact(cast.rep, shop, "王经理", mobile="13800138000")
    response = cast.client_for(cast.rep).post(f"/customers/contacts/{wang.pk}/", edit_data(wang, mobile="abc"))
    assert response.status_code == 200 and 'data-testid="error-mobile"' in response.content.decode()
    assert Contact.objects.get(pk=wang.pk).mobile == "13800138000"


def test_the_primary_box_cannot_be_unticked_on_the_page(cast):
    shop = customer(cast.rep)
    wang = contact(cast.rep, shop, "王经理")
    data = edit_data(wang, title="经理")
    data.pop("is_primary")  # a disabled box is not sent: the form keeps it as it was
    assert cast.client_for(cast.rep).post(f"/customers/contacts/{wang.pk}/", data).status_code == 302
    assert primaries(shop) == ["王经理"]


def test_make_primary_and_archive_from_the_pages(cast):
    shop = customer(cast.rep)
    wang, li = contact(cast.rep, shop, "王经理"), contact(cast.rep, shop, "李工")
    client = cast.client_for(cast.rep)
    page = client.get(f"/customers/{shop.pk}/").content.decode()
    assert f'data-testid="make-primary-{li.pk}"' in page and f'data-testid="make-primary-{wang.pk}"' not in page
    assert client.post(f"/customers/contacts/{li.pk}/primary/").status_code == 302
    assert primaries(shop) == ["李工"]
    assert client.post(f"/customers/contacts/{li.pk}/archive/").status_code == 302
    assert primaries(shop) == ["王经理"]
    page = client.get(f"/customers/{shop.pk}/").content.decode()
    assert f'data-testid="contact-{li.pk}"' not in page


def test_someone_who_only_sees_the_customer_gets_no_edit_page(cast):
    shop = customer(cast.other_branch_rep, collaborator_ids=[cast.rep.pk])
    wang = contact(cast.other_branch_rep, shop, "王经理")
    client = cast.client_for(cast.rep)
    assert client.get(f"/customers/contacts/{wang.pk}/").status_code == 403
    assert client.post(f"/customers/contacts/{wang.pk}/archive/").status_code == 302  # refused, told in a message
    assert Contact.objects.get(pk=wang.pk).archived_at is None
    assert cast.client_for(cast.rep2).get(f"/customers/contacts/{wang.pk}/").status_code == 404


def test_the_contacts_list_searches_the_visible_customers_contacts(cast):
    shop = customer(cast.rep, name="上海精工机械有限公司")
    other = customer(cast.rep2, name="苏州新材料科技有限公司")
    beijing = customer(cast.other_branch_rep, name="北京重工集团")
    contact(cast.rep, shop, "王经理", mobile="13800138000", email="wang@jinggong.cn")
    contact(cast.rep2, other, "李工", phone="021-55550000")
    contact(cast.other_branch_rep, beijing, "赵总")
    client = cast.client_for(cast.rep)

    def names(query=""):
        page = client.get(f"/customers/contacts/?{query}").content.decode()
        return {n for n in ("王经理", "李工", "赵总") if n in page}

    assert names() == {"王经理"}  # Rex sees his own customers only
    manager = cast.client_for(cast.manager)
    assert "李工" in manager.get("/customers/contacts/?q=新材料").content.decode()  # by the customer's name
    assert "王经理" not in manager.get("/customers/contacts/?q=新材料").content.decode()
    assert names("q=1380013") == {"王经理"}  # part of the mobile
    assert names("q=WANG@JINGGONG") == {"王经理"}  # the email, ignoring case
    assert names("q=精工") == {"王经理"}  # the customer's name, short text
    assert "赵总" not in manager.get("/customers/contacts/?q=赵").content.decode()  # Beijing is not Mia's


def test_archived_contacts_show_only_with_the_toggle(cast):
    shop = customer(cast.rep)
    wang = contact(cast.rep, shop, "王经理")
    contact(cast.rep, shop, "李工")
    services.contact_archive(actor=cast.rep, contact_id=wang.pk)
    client = cast.client_for(cast.rep)
    assert "王经理" not in client.get("/customers/contacts/").content.decode()
    page = client.get("/customers/contacts/?archived=1").content.decode()
    assert "王经理" in page and 'data-testid="archived-badge"' in page


def test_the_contacts_list_is_keyset_paged_in_constant_queries(cast, django_assert_max_num_queries):
    shops = [customer(cast.rep, name=f"客户{i:02d}") for i in range(6)]
    for i, shop in enumerate(shops):
        contact(cast.rep, shop, f"联系人{i:02d}")
    client = cast.client_for(cast.manager)
    client.get("/customers/contacts/")
    with CaptureQueriesContext(connection) as few:
        client.get("/customers/contacts/?q=联系人00")
    with CaptureQueriesContext(connection) as many:
        client.get("/customers/contacts/")
    assert len(many) == len(few)
    from fieldloop.customers import contact_views

    contact_views.PAGE_SIZE, size = 4, contact_views.PAGE_SIZE
    try:
        first = client.get("/customers/contacts/").content.decode()
        assert "联系人03" in first and "联系人04" not in first and 'data-testid="load-more"' in first
        cursor = first.split("cursor=")[1].split('"')[0].split("&")[0]
        rest = client.get(f"/customers/contacts/?cursor={cursor}", HTTP_HX_REQUEST="true").content.decode()
        assert "联系人04" in rest and "联系人05" in rest and "联系人03" not in rest
    finally:
        contact_views.PAGE_SIZE = size


def test_an_archived_customer_is_found_and_restored_from_its_page(cast):
    shop = customer(cast.rep, name="杭州东方贸易有限公司")
    customer(cast.rep, name="宁波港务有限公司")
    services.customer_archive(actor=cast.rep, customer_id=shop.pk)
    client = cast.client_for(cast.rep)
    assert "杭州东方贸易有限公司" not in client.get("/customers/").content.decode()
    archived = client.get("/customers/?archived=1").content.decode()
    assert "杭州东方贸易有限公司" in archived and "宁波港务有限公司" not in archived
    page = client.get(f"/customers/{shop.pk}/").content.decode()
    assert 'data-testid="restore"' in page
    assert client.post(f"/customers/{shop.pk}/restore/").status_code == 302
    assert Customer.objects.get(pk=shop.pk).archived_at is None
    assert "杭州东方贸易有限公司" in client.get("/customers/").content.decode()


def test_no_restore_button_for_someone_who_may_not_restore(cast):
    shop = customer(cast.other_branch_rep, collaborator_ids=[cast.rep.pk])
    services.customer_archive(actor=cast.other_branch_rep, customer_id=shop.pk)
    client = cast.client_for(cast.rep)
    assert 'data-testid="restore"' not in client.get(f"/customers/{shop.pk}/").content.decode()
    client.post(f"/customers/{shop.pk}/restore/")
    assert Customer.objects.get(pk=shop.pk).archived_at is not None


# --- API -------------------------------------------------------------------------------------------------------


def test_the_api_lists_searches_and_pages_contacts(cast):
    shop = customer(cast.rep, name="上海精工机械有限公司")
    for i in range(3):
        contact(cast.rep, shop, f"联系人{i}")
    hidden = contact(cast.rep, shop, "离职的人")
    services.contact_archive(actor=cast.rep, contact_id=hidden.pk)
    client = api(cast.manager)
    page = client.get("/api/v1/contacts?limit=2").json()
    rest = client.get(f"/api/v1/contacts?limit=2&cursor={page['next_cursor']}").json()
    assert [c["name"] for c in page["items"] + rest["items"]] == ["联系人0", "联系人1", "联系人2"]
    assert page["items"][0]["customer_name"] == "上海精工机械有限公司"
    assert [c["name"] for c in client.get("/api/v1/contacts?q=离职&archived=true").json()["items"]] == ["离职的人"]
    assert client.get("/api/v1/contacts?q=离职").json()["items"] == []
    assert api(cast.other_branch_rep).get("/api/v1/contacts").json()["items"] == []
    assert client.get("/api/v1/contacts?cursor=forged").status_code == 400


def test_the_api_edits_makes_primary_and_archives_a_contact(cast):
    shop = customer(cast.rep)
    wang, li = contact(cast.rep, shop, "王经理"), contact(cast.rep, shop, "李工")
    client = api(cast.rep)
    response = client.patch(f"/api/v1/contacts/{li.pk}", {"title": "工程师"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["title"] == "工程师"
    refused = client.patch(
        f"/api/v1/contacts/{wang.pk}", {"is_primary": False}, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )  # fmt: skip
    assert refused.status_code == 400 and "is_primary" in refused.json()["fields"]
    assert post(client, f"/api/v1/contacts/{li.pk}/primary", {}).json()["is_primary"] is True
    assert primaries(shop) == ["李工"]
    archived = post(client, f"/api/v1/contacts/{li.pk}/archive", {}).json()
    assert archived["archived_at"] is not None and archived["is_primary"] is False
    assert primaries(shop) == ["王经理"]
    assert post(api(cast.rep2), f"/api/v1/contacts/{wang.pk}/archive", {}).status_code == 404


def test_the_api_restores_an_archived_customer_for_whoever_may_archive_it(cast):
    shop = customer(cast.rep)
    services.customer_archive(actor=cast.rep, customer_id=shop.pk)
    assert post(api(cast.rep2), f"/api/v1/customers/{shop.pk}/restore", {}).status_code == 404
    response = post(api(cast.manager), f"/api/v1/customers/{shop.pk}/restore", {})
    assert response.status_code == 200 and response.json()["archived_at"] is None
    assert Customer.objects.get(pk=shop.pk).archived_at is None
