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
