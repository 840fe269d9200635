"""The masked "does it exist?" search: across the organization, but only name, department and status."""

import uuid

from django.test import Client

from customers import services
from customers.duplicates import all_orgs_masked_existence_check, normalise_name
from org import services as org_services


def test_names_are_compared_without_spaces_brackets_case_or_legal_suffix():
    assert normalise_name(" 上海（精工）机械 有限公司") == normalise_name("上海(精工)机械")


def test_a_rep_learns_that_another_branchs_prospect_is_taken_without_seeing_details(cast):
    services.customer_create(
        actor=cast.other_branch_rep, client_id=uuid.uuid4(), name="北京精工机械有限公司", phone="010-88886666",
        credit_code="91350100M000100Y43",
    )  # fmt: skip
    for query in ("精工机械", "91350100M000100Y43", "01088886666"):
        [match] = all_orgs_masked_existence_check(actor=cast.rep, query=query)
        assert match.name == "北京精工机械有限公司"
        assert match.owner_department == "北京分公司"
        assert not match.mine and not match.in_pool
    assert all_orgs_masked_existence_check(actor=cast.outsider, query="精工机械") == []


def test_the_page_and_the_api_answer_masked(cast):
    services.customer_create(
        actor=cast.other_branch_rep, client_id=uuid.uuid4(), name="北京精工机械有限公司", phone="13912345678"
    )
    page = cast.client_for(cast.rep).get("/customers/check/?q=精工").content.decode()
    results = page.split('data-testid="existence-results"')[1]
    assert "北京精工机械有限公司" in results and "北京分公司" in results
    assert "13912345678" not in page
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer " + org_services.api_token_create(actor=cast.rep, name="t").secret
    body = client.get("/api/v1/customer-existence?q=精工").json()
    assert body == [{"name": "北京精工机械有限公司", "owner_department": "北京分公司", "in_pool": False, "mine": False,
                     "archived": False}]  # fmt: skip
    assert client.get("/api/v1/customer-existence?q=x").status_code == 400


def test_the_organizations_rules_warn_or_block_duplicates(cast):
    import pytest

    from core.errors import ServiceError
    from customers.duplicates import duplicate_settings

    services.customer_create(actor=cast.rep2, client_id=uuid.uuid4(), name="上海精工机械有限公司", phone="13900001111")
    with pytest.raises(ServiceError) as e:
        services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="上海精工机械")
    assert e.value.code == "duplicate" and "name" in e.value.fields
    services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="上海精工机械", allow_duplicates=True)
    rules = duplicate_settings(org_id=cast.org.pk)
    rules.duplicate_phone = "block"
    rules.save()
    with pytest.raises(ServiceError) as e:
        services.customer_create(
            actor=cast.rep, client_id=uuid.uuid4(), name="别的公司", phone="139-0000-1111", allow_duplicates=True
        )
    assert "phone" in e.value.fields


def test_a_duplicate_warning_on_the_form_offers_saving_anyway(cast):
    from customers.models import Customer

    services.customer_create(actor=cast.rep2, client_id=uuid.uuid4(), name="上海精工机械有限公司")
    stage_id = services.stages_ensure(org_id=cast.org.pk)[0].pk
    data = {"name": "上海精工机械", "level": "C", "stage_id": stage_id, "source": "other", "owner_id": cast.rep.pk,
            "client_id": str(uuid.uuid4())}  # fmt: skip
    client = cast.client_for(cast.rep)
    page = client.post("/customers/new/", data).content.decode()
    assert 'data-testid="allow-duplicates"' in page and 'data-testid="error-name"' in page
    assert client.post("/customers/new/", data | {"allow_duplicates": "on"}).status_code == 302
    assert Customer.objects.count() == 2


def test_merging_moves_contacts_history_and_missing_details_and_archives_the_duplicate(cast):
    from customers.duplicates import customer_merge
    from customers.models import Contact, CustomerEvent

    keep, _ = services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="甲公司", tags=["重点"])
    gone, _ = services.customer_create(
        actor=cast.rep2, client_id=uuid.uuid4(), name="甲公司 ", phone="021-66668888", tags=["老客户"],
        credit_code="91350100M000100Y43", allow_duplicates=True,
    )  # fmt: skip
    services.contact_create(actor=cast.rep2, customer_id=gone.pk, client_id=uuid.uuid4(), name="王经理")
    page = cast.client_for(cast.manager).get(f"/customers/{keep.pk}/").content.decode()
    assert 'data-testid="merge"' in page
    merged = customer_merge(actor=cast.manager, keep_id=keep.pk, merge_id=gone.pk)
    gone.refresh_from_db()
    assert gone.is_archived and gone.credit_code == ""
    assert merged.phone == "021-66668888" and merged.credit_code == "91350100M000100Y43"
    assert merged.tags == ["老客户", "重点"]
    assert Contact.objects.get(name="王经理").customer == merged
    kinds = list(CustomerEvent.objects.filter(customer=merged).values_list("kind", flat=True))
    assert kinds.count("created") == 2 and "merged" in kinds
    import pytest

    from core.errors import ServiceError

    with pytest.raises(ServiceError):
        customer_merge(actor=cast.rep, keep_id=keep.pk, merge_id=gone.pk)


def test_an_admin_sets_the_duplicate_rules_and_others_may_not(cast):
    from customers.duplicates import duplicate_settings

    response = cast.client_for(cast.admin).post(
        "/customers/duplicate-rules/", {"duplicate_name": "block", "duplicate_phone": "off"}
    )
    assert response.status_code == 302
    rules = duplicate_settings(org_id=cast.org.pk)
    assert (rules.duplicate_name, rules.duplicate_phone) == ("block", "off")
    assert cast.client_for(cast.manager).get("/customers/duplicate-rules/").status_code == 403
    button = 'data-testid="duplicate-rules"'
    assert button not in cast.client_for(cast.manager).get("/customers/check/").content.decode()
    assert button in cast.client_for(cast.admin).get("/customers/check/").content.decode()
