"""The customers web UI through real HTTP requests."""

import uuid

from fieldloop.customers import services
from fieldloop.customers.models import Contact, Customer, Tag
from fieldloop.customers.stages import stage_list


def create(actor, **fields):
    fields.setdefault("name", "上海精工机械有限公司")
    return services.customer_create(actor=actor, client_id=uuid.uuid4(), **fields)[0]


def form_data(cast, **overrides):
    stage_id = stage_list(actor=cast.admin)[0].pk
    data = {
        "name": "苏州新材料科技有限公司", "short_name": "", "credit_code": "", "industry": "", "level": "B",
        "stage_id": stage_id, "source": "field_visit", "phone": "", "website": "", "province": "江苏",
        "city": "苏州", "district": "", "address": "", "latitude": "", "longitude": "",
        "owner_id": cast.rep.pk, "client_id": str(uuid.uuid4()),
    }  # fmt: skip
    data.update(overrides)
    return data


def test_a_rep_creates_a_customer_through_the_form_once_even_when_he_double_submits(cast):
    client = cast.client_for(cast.rep)
    new, key = (Tag.objects.create(org=cast.org, name=name) for name in ("新客户", "重点"))
    data = form_data(cast, tag_ids=[new.pk, key.pk])
    first = client.post("/customers/new/", data)
    second = client.post("/customers/new/", data)
    customer = Customer.objects.get()
    assert first["Location"] == second["Location"] == f"/customers/{customer.pk}/"
    assert sorted(t.name for t in customer.tags.all()) == ["新客户", "重点"]
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "苏州新材料科技有限公司" in page
    assert "新客户" in page


def test_an_invalid_credit_code_is_shown_on_its_field_and_nothing_is_saved(cast):
    response = cast.client_for(cast.rep).post("/customers/new/", form_data(cast, credit_code="91350100M000100Y44"))
    assert 'data-testid="error-credit_code"' in response.content.decode()
    assert not Customer.objects.exists()


def test_a_duplicate_credit_code_from_the_service_is_shown_on_its_field(cast):
    create(cast.rep2, credit_code="91350100M000100Y43")
    response = cast.client_for(cast.rep).post("/customers/new/", form_data(cast, credit_code="91350100M000100Y43"))
    assert 'data-testid="error-credit_code"' in response.content.decode()
    assert Customer.objects.count() == 1


def test_the_list_shows_the_reps_customers_only_and_filters_by_level(cast):
    create(cast.rep, name="甲客户", level="A")
    create(cast.rep, name="乙客户", level="C")
    create(cast.other_branch_rep, name="北京客户")
    client = cast.client_for(cast.rep)
    page = client.get("/customers/").content.decode()
    assert "甲客户" in page and "乙客户" in page and "北京客户" not in page
    filtered = client.get("/customers/?level=A").content.decode()
    assert "甲客户" in filtered and "乙客户" not in filtered


def test_the_timeline_shows_changes_with_old_and_new_values(cast):
    customer = create(cast.rep, level="C")
    services.customer_update(actor=cast.rep, customer_id=customer.pk, level="A")
    page = cast.client_for(cast.manager).get(f"/customers/{customer.pk}/").content.decode()
    timeline = page.split('data-testid="timeline"')[1]
    assert "C → A" in timeline


def test_a_contact_is_added_from_the_customer_page(cast):
    customer = create(cast.rep)
    client = cast.client_for(cast.rep)
    data = {"name": "王经理", "mobile": "13800138000", "client_id": str(uuid.uuid4())}
    assert client.post(f"/customers/{customer.pk}/contacts/", data).status_code == 302
    assert client.post(f"/customers/{customer.pk}/contacts/", data).status_code == 302
    assert Contact.objects.filter(customer=customer).count() == 1
    assert "王经理" in client.get(f"/customers/{customer.pk}/").content.decode()


def test_a_rep_cannot_open_another_branchs_customer(cast):
    customer = create(cast.other_branch_rep)
    assert cast.client_for(cast.rep).get(f"/customers/{customer.pk}/").status_code == 404


def test_the_customer_list_runs_the_same_queries_for_few_and_many_rows(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = cast.client_for(cast.manager)
    create(cast.rep)
    client.get("/customers/")
    with CaptureQueriesContext(connection) as few:
        client.get("/customers/")
    for i in range(30):
        create(cast.rep2, name=f"客户{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/customers/")
    assert len(many) == len(few)


def test_the_form_creates_a_customer_in_a_few_queries(cast, django_assert_num_queries):
    """The form's stage and owner choices are read to render it, not to check a POST (the service decides)."""
    client = cast.client_for(cast.rep)
    client.post("/customers/new/", form_data(cast, name="甲公司"))  # the organization's first customer
    data = form_data(cast, phone="13800138000")
    # 1-3 the session, its user and employee; 4 the customer template (the form's custom fields); then the
    # create as through the API: 5 what the organization says, 6 SAVEPOINT, 7 the similar names and same phone,
    # 8 the customer, 9 its event, 10 RELEASE
    with django_assert_num_queries(10):
        response = client.post("/customers/new/", data)
    assert response.status_code == 302
    # an owner the rep may not give customers to: the service refuses it, on its field
    page = client.post("/customers/new/", form_data(cast, name="乙公司", owner_id=cast.other_branch_rep.pk))
    assert 'data-testid="error-owner_id"' in page.content.decode()
    assert Customer.objects.count() == 2
