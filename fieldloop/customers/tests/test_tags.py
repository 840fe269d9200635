"""Tags an organization manages: the admin's page and API, the customer form's picker, the API's ids and names,
the import's names, the export's names, and the migration of the free comma-separated tags."""

import csv
import io
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fieldloop.core.errors import ServiceError
from fieldloop.customers import exports, imports, services, tags
from fieldloop.customers.models import Customer, CustomerEvent, CustomerTag, Tag
from fieldloop.customers.selectors import CustomerFilters
from fieldloop.customers.stages import stage_list
from fieldloop.org.models import AuditEntry

from .test_api import api, post


def create(actor, **fields):
    fields.setdefault("allow_duplicates", True)  # random names can still look alike to the duplicate rules
    return services.customer_create(actor=actor, client_id=uuid.uuid4(), name=f"客户{uuid.uuid4().hex[:6]}", **fields)[
        0
    ]


def test_an_admin_adds_renames_recolours_and_archives_tags_on_the_tags_page(cast):
    client = cast.client_for(cast.admin)
    assert client.get("/customers/tags/").status_code == 200
    response = client.post("/customers/tags/", {"name": " 重点 ", "colour": "red", "group": "客户价值"})
    assert response.status_code == 302
    tag = Tag.objects.get(org=cast.org)
    assert (tag.name, tag.colour, tag.group, tag.archived_at) == ("重点", "red", "客户价值", None)
    # the same name, ignoring case and spaces, is refused on its field
    client.post("/customers/tags/", {"name": "VIP", "colour": "blue"})
    again = client.post("/customers/tags/", {"name": "vip", "colour": "green"})
    assert again.status_code == 400 and "已有同名标签。" in again.content.decode()
    assert Tag.objects.filter(org=cast.org).count() == 2
    client.post(f"/customers/tags/{tag.pk}/", {"action": "save", "name": "关键", "colour": "purple", "group": ""})
    tag.refresh_from_db()
    assert (tag.name, tag.colour, tag.group) == ("关键", "purple", "")
    client.post(f"/customers/tags/{tag.pk}/", {"action": "archive"})
    tag.refresh_from_db()
    assert tag.archived_at is not None
    page = client.get("/customers/tags/").content.decode()
    assert f'data-testid="restore-{tag.pk}"' in page
    actions = list(AuditEntry.objects.filter(object_type="tag").values_list("action", flat=True).order_by("id"))
    assert actions == ["customer_tag.create", "customer_tag.create", "customer_tag.update", "customer_tag.update"]


def test_only_whoever_manages_the_customer_settings_manages_tags(cast):
    for employee in (cast.manager, cast.rep, cast.director):
        client = cast.client_for(employee)
        assert client.get("/customers/tags/").status_code == 403
        assert client.post("/customers/tags/", {"name": "x", "colour": "blue"}).status_code == 403
    with pytest.raises(ServiceError):
        tags.tag_create(actor=cast.manager, name="x")
    assert not Tag.objects.exists()


def test_another_organizations_tag_is_not_found_on_the_page_nor_in_the_api(cast):
    theirs = Tag.objects.create(org=cast.other_org, name="对手")
    response = cast.client_for(cast.admin).post(f"/customers/tags/{theirs.pk}/", {"action": "archive"})
    assert response.status_code == 404
    patched = api(cast.admin).patch(
        f"/api/v1/customer-tags/{theirs.pk}", {"archived": True}, content_type="application/json"
    )
    assert patched.status_code == 404
    theirs.refresh_from_db()
    assert theirs.archived_at is None


def test_the_form_picks_the_organizations_active_tags_and_refuses_any_other(cast):
    key = Tag.objects.create(org=cast.org, name="重点", colour="red")
    old = Tag.objects.create(org=cast.org, name="旧标签")
    tags.tag_update(actor=cast.admin, tag_id=old.pk, archived=True)
    theirs = Tag.objects.create(org=cast.other_org, name="对手")
    client = cast.client_for(cast.rep)
    form = client.get("/customers/new/").content.decode()
    assert 'data-testid="tag-picker"' in form and "重点" in form and "旧标签" not in form and "对手" not in form
    data = {
        "name": "苏州新材料科技有限公司", "level": "B", "stage_id": stage_list(actor=cast.admin)[0].pk,
        "source": "other", "owner_id": cast.rep.pk, "client_id": str(uuid.uuid4()),
    }  # fmt: skip
    for refused, message in ((theirs.pk, "请选择本组织的标签。"), (old.pk, "已归档"), ("x", "")):
        with_tag = client.post("/customers/new/", {**data, "tag_ids": [refused]})
        assert with_tag.status_code == 200 and message in with_tag.content.decode()
    assert not Customer.objects.exists()
    saved = client.post("/customers/new/", {**data, "tag_ids": [key.pk]})
    customer = Customer.objects.get()
    assert saved["Location"] == f"/customers/{customer.pk}/"
    assert [t.name for t in customer.tags.all()] == ["重点"]
    assert CustomerTag.objects.get().org_id == cast.org.pk
    # a tag archived later stays on the customer through an edit that keeps it
    tags.tag_update(actor=cast.admin, tag_id=key.pk, archived=True)
    edit = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert "重点" in edit
    services.customer_update(actor=cast.rep, customer_id=customer.pk, tag_ids=[key.pk], name="改名公司")
    assert [t.name for t in customer.tags.all()] == ["重点"]
    services.customer_update(actor=cast.rep, customer_id=customer.pk, tag_ids=[])
    assert not customer.tags.exists()
    event = CustomerEvent.objects.filter(customer=customer, kind="updated").latest("id")
    assert event.changes["tags"] == [["重点"], []]


def test_the_api_takes_tag_ids_and_answers_ids_and_names(cast):
    key = Tag.objects.create(org=cast.org, name="重点", colour="red")
    theirs = Tag.objects.create(org=cast.other_org, name="对手")
    client = api(cast.rep)
    listed = client.get("/api/v1/customer-tags").json()
    assert [(t["id"], t["name"], t["colour"]) for t in listed] == [(key.pk, "重点", "red")]
    refused = post(client, "/api/v1/customers", {"name": "甲公司", "tag_ids": [theirs.pk]})
    assert refused.status_code == 400 and refused.json()["fields"]["tag_ids"]
    created = post(client, "/api/v1/customers", {"name": "甲公司", "tag_ids": [key.pk]})
    assert created.status_code == 201
    assert created.json()["tags"] == [{"id": key.pk, "name": "重点", "colour": "red"}]
    customer_id = created.json()["id"]
    assert client.get(f"/api/v1/customers/{customer_id}").json()["tags"] == created.json()["tags"]
    cleared = client.patch(f"/api/v1/customers/{customer_id}", {"tag_ids": []}, content_type="application/json")
    assert cleared.json()["tags"] == []


def test_an_admin_manages_tags_through_the_api_once_per_key(cast):
    client = api(cast.admin)
    key = uuid.uuid4()
    first = post(client, "/api/v1/customer-tags", {"name": "重点", "colour": "red"}, key)
    replay = post(client, "/api/v1/customer-tags", {"name": "重点", "colour": "red"}, key)
    assert first.status_code == replay.status_code == 201 and first.json() == replay.json()
    assert Tag.objects.count() == 1
    taken = post(client, "/api/v1/customer-tags", {"name": "重点"})
    assert taken.status_code in (400, 409) and taken.json()["fields"]["name"]
    tag_id = first.json()["id"]
    archived = client.patch(f"/api/v1/customer-tags/{tag_id}", {"archived": True}, content_type="application/json")
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert client.get("/api/v1/customer-tags").json() == []
    assert len(client.get("/api/v1/customer-tags?include_archived=true").json()) == 1
    rep = post(api(cast.rep), "/api/v1/customer-tags", {"name": "随便"})
    assert rep.status_code == 403


def test_the_export_writes_tag_names_and_the_import_reads_them_refusing_unknown_ones(cast):
    key = Tag.objects.create(org=cast.org, name="重点")
    east = Tag.objects.create(org=cast.org, name="华东")
    create(cast.rep, tag_ids=[key.pk, east.pk])
    export = exports.customers_export(actor=cast.admin, filters=CustomerFilters(), file_format="csv")
    rows = list(csv.reader(io.StringIO(export.file.read().decode("utf-8-sig"))))
    tags_column = rows[0].index("标签")
    assert rows[1][tags_column] == "华东, 重点"
    header = ["name", "tags"]
    content = "\n".join([",".join(header), '乙公司,"重点, 华东"', '丙公司,"重点, 不存在, 也没有"', "丁公司,"])
    report = imports.import_dry_run(actor=cast.admin, filename="c.csv", content=content.encode())
    good, unknown, untagged = report.rows
    assert not good.errors and good.values["tags"] == "华东, 重点"
    assert list(unknown.errors) == ["tags"] and "不存在, 也没有" in unknown.errors["tags"][0]
    assert not untagged.errors
    assert Tag.objects.filter(org=cast.org).count() == 2  # an import never creates a tag


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_free_tags_into_the_organizations_tags_and_back(cast):
    """Same name (trimmed, ignoring case) is one tag per organization; empty words are dropped."""
    executor = MigrationExecutor(connection)
    before, after = [("customers", "0016_customer_tags")], [("customers", "0018_customer_tags_replace_free_text")]
    call_command("migrate", "customers", "0014", verbosity=0)
    try:
        executor.loader.build_graph()
        old = executor.loader.project_state(before).apps
        customer_model = old.get_model("customers", "Customer")
        base = {"created_by_id": cast.admin.pk, "owner_id": cast.rep.pk}
        words = {"甲": ["重点", " VIP ", ""], "乙": ["vip", "重点"], "丙": []}
        for name, tags_ in words.items():
            customer_model.objects.create(org_id=cast.org.pk, client_id=uuid.uuid4(), name=name, tags=tags_, **base)
        customer_model.objects.create(
            org_id=cast.other_org.pk, client_id=uuid.uuid4(), name="对手客户", tags=["重点"],
            created_by_id=cast.outsider.pk, owner_id=cast.outsider.pk,
        )  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        executor.loader.build_graph()
        new = executor.loader.project_state(after).apps
        tag_model, link_model = new.get_model("customers", "Tag"), new.get_model("customers", "CustomerTag")
        assert sorted(tag_model.objects.filter(org_id=cast.org.pk).values_list("name", flat=True)) == ["VIP", "重点"]
        assert tag_model.objects.filter(org_id=cast.other_org.pk).count() == 1
        linked = sorted(
            (c, t) for c, t in link_model.objects.filter(org_id=cast.org.pk).values_list("customer__name", "tag__name")
        )
        assert linked == [("乙", "VIP"), ("乙", "重点"), ("甲", "VIP"), ("甲", "重点")]
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        executor.loader.build_graph()
        back = executor.loader.project_state(before).apps.get_model("customers", "Customer")
        assert back.objects.get(name="乙").tags == ["VIP", "重点"]
    finally:
        call_command("migrate", verbosity=0)
