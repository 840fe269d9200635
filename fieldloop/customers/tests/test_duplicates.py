"""The masked "does it exist?" search: across the organization, but only name, department and status."""

import uuid

import pytest
from django.test import Client

from fieldloop.core.errors import ServiceError
from fieldloop.customers import services
from fieldloop.customers.duplicates import all_orgs_masked_existence_check, normalise_name
from fieldloop.customers.models import Customer
from fieldloop.customers.stages import stage_list
from fieldloop.org import services as org_services


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

    from fieldloop.core.errors import ServiceError
    from fieldloop.customers.duplicates import duplicate_settings

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
    from fieldloop.customers.models import Customer

    services.customer_create(actor=cast.rep2, client_id=uuid.uuid4(), name="上海精工机械有限公司")
    stage_id = stage_list(actor=cast.admin)[0].pk
    data = {"name": "上海精工机械", "level": "C", "stage_id": stage_id, "source": "other", "owner_id": cast.rep.pk,
            "client_id": str(uuid.uuid4())}  # fmt: skip
    client = cast.client_for(cast.rep)
    page = client.post("/customers/new/", data).content.decode()
    assert 'data-testid="allow-duplicates"' in page and 'data-testid="error-name"' in page
    assert client.post("/customers/new/", data | {"allow_duplicates": "on"}).status_code == 302
    assert Customer.objects.count() == 2


def test_merging_moves_contacts_history_and_missing_details_and_archives_the_duplicate(cast):
    from fieldloop.customers.duplicates import customer_merge
    from fieldloop.customers.models import Contact, CustomerEvent, Tag

    key, old = (Tag.objects.create(org=cast.org, name=name) for name in ("重点", "老客户"))
    keep, _ = services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="甲公司", tag_ids=[key.pk])
    gone, _ = services.customer_create(
        actor=cast.rep2, client_id=uuid.uuid4(), name="甲公司 ", phone="021-66668888", tag_ids=[key.pk, old.pk],
        credit_code="91350100M000100Y43", allow_duplicates=True,
    )  # fmt: skip
    services.contact_create(actor=cast.rep2, customer_id=gone.pk, client_id=uuid.uuid4(), name="王经理")
    page = cast.client_for(cast.manager).get(f"/customers/{keep.pk}/").content.decode()
    assert 'data-testid="merge"' in page
    merged = customer_merge(actor=cast.manager, keep_id=keep.pk, merge_id=gone.pk)
    gone.refresh_from_db()
    assert gone.is_archived and gone.credit_code == ""
    assert merged.phone == "021-66668888" and merged.credit_code == "91350100M000100Y43"
    assert sorted(t.name for t in merged.tags.all()) == ["老客户", "重点"]  # each once
    assert Contact.objects.get(name="王经理").customer == merged
    kinds = list(CustomerEvent.objects.filter(customer=merged).values_list("kind", flat=True))
    assert kinds.count("created") == 2 and "merged" in kinds
    import pytest

    from fieldloop.core.errors import ServiceError

    with pytest.raises(ServiceError):
        customer_merge(actor=cast.rep, keep_id=keep.pk, merge_id=gone.pk)


def test_an_admin_sets_the_duplicate_rules_and_others_may_not(cast):
    from fieldloop.customers.duplicates import duplicate_settings

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


# --- Name similarity --------------------------------------------------------------------------------


def test_names_are_taken_apart_into_region_core_and_branch():
    from fieldloop.customers.duplicates import NameKey, name_key

    same = NameKey(regions=("上海",), core="华东机械", branch="")
    for name in (
        "上海华东机械有限公司",
        "华东机械（上海）有限公司",
        "上海市华东机械股份有限公司",
        " 上海 华东机械 (集团) ",
    ):
        assert name_key(name) == same, name
    assert name_key("ＡＣＭＥ Co., Ltd.") == name_key("Acme Inc.") == NameKey(regions=(), core="acme", branch="")
    assert name_key("江苏省苏州市精工机械有限公司").regions == ("江苏", "苏州")
    assert name_key("上海华东机械有限公司北京分公司").branch == "北京分公司"
    assert name_key("华东机械北京市分公司") == NameKey(regions=(), core="华东机械", branch="北京分公司")
    assert name_key("上海市").core == "上海市"  # a region alone stays the name
    assert name_key("Costco Inc.").core == "costco" and name_key("Zinc Co., Ltd.").core == "zinc"  # whole words


def test_similar_names_match_and_different_companies_do_not():
    from fieldloop.customers.duplicates import NAME_SIMILARITY, name_key, name_similarity

    def alike(a: str, b: str) -> bool:
        return name_similarity(name_key(a), name_key(b)) >= NAME_SIMILARITY

    assert alike("上海华东机械有限公司", "华东机械（上海）有限公司")
    assert alike("上海华东机械有限公司", "华东机械有限公司")  # one states no region
    assert alike("华东机械有限公司", "华东机械制造有限公司")
    assert alike("苏州精工机械", "江苏省苏州市精工机械有限公司")
    assert alike("ACME Trading Co., Ltd.", "Acme Trading Inc.")
    assert not alike("上海华东机械有限公司", "北京华东机械有限公司")  # two places, two companies
    assert not alike("上海华东机械有限公司", "上海华东机械有限公司北京分公司")  # a branch is a customer of its own
    assert not alike("华东机械北京分公司", "华东机械天津分公司")
    assert not alike("华东机械有限公司", "华南机械有限公司")
    assert not alike("精工机械", "精工电子")
    assert not alike("宏达有限公司", "宏达科技有限公司")
    assert not alike("客户1", "客户10") and not alike("华东机械3厂", "华东机械4厂")


def test_a_similar_name_is_caught_on_create_and_a_different_company_is_not(cast):
    import pytest

    from fieldloop.core.errors import ServiceError

    services.customer_create(actor=cast.other_branch_rep, client_id=uuid.uuid4(), name="上海华东机械有限公司")
    for similar in ("华东机械（上海）有限公司", "华东机械制造有限公司", "上海市华东机械"):
        with pytest.raises(ServiceError) as e:
            services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name=similar)
        assert e.value.code == "duplicate" and "上海华东机械有限公司" in str(e.value.fields["name"][0]), similar
        assert "北京分公司" in str(e.value.fields["name"][0])  # the owner's department, no details
    for different in (
        "北京华东机械有限公司",
        "上海华东机械有限公司北京分公司",
        "华南机械有限公司",
        "上海精工电子有限公司",
    ):
        services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name=different)


def test_renaming_or_a_new_phone_goes_through_the_rules_like_a_create(cast):
    import pytest

    from fieldloop.core.errors import ServiceError
    from fieldloop.customers.duplicates import duplicate_settings

    services.customer_create(actor=cast.rep2, client_id=uuid.uuid4(), name="上海华东机械有限公司", phone="13900001111")
    mine, _ = services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="甲公司", phone="021-66660001")
    with pytest.raises(ServiceError) as e:
        services.customer_update(actor=cast.rep, customer_id=mine.pk, name="华东机械（上海）有限公司")
    assert e.value.code == "duplicate" and list(e.value.fields) == ["name"]
    with pytest.raises(ServiceError) as e:
        services.customer_update(actor=cast.rep, customer_id=mine.pk, phone="+86 139 0000 1111")
    assert list(e.value.fields) == ["phone"]
    mine.refresh_from_db()
    assert (mine.name, mine.phone) == ("甲公司", "021-66660001")  # nothing written
    services.customer_update(
        actor=cast.rep, customer_id=mine.pk, name="华东机械（上海）有限公司", allow_duplicates=True
    )
    services.customer_update(actor=cast.rep, customer_id=mine.pk, level="A")  # the name did not change: no check
    rules = duplicate_settings(org_id=cast.org.pk)
    rules.duplicate_phone = "block"
    rules.save()
    with pytest.raises(ServiceError):
        services.customer_update(actor=cast.rep, customer_id=mine.pk, phone="13900001111", allow_duplicates=True)
    rules.duplicate_phone = "off"
    rules.save()
    services.customer_update(actor=cast.rep, customer_id=mine.pk, phone="13900001111")


def test_the_edit_form_and_the_api_offer_saving_anyway(cast):
    from fieldloop.customers.models import Customer

    services.customer_create(actor=cast.rep2, client_id=uuid.uuid4(), name="上海华东机械有限公司")
    mine, _ = services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="甲公司")
    data = {"name": "华东机械（上海）有限公司", "level": "C", "stage_id": mine.stage_id, "source": "other",
            "owner_id": cast.rep.pk}  # fmt: skip
    client = cast.client_for(cast.rep)
    page = client.post(f"/customers/{mine.pk}/edit/", data).content.decode()
    assert 'data-testid="allow-duplicates"' in page and 'data-testid="error-name"' in page
    assert client.post(f"/customers/{mine.pk}/edit/", data | {"allow_duplicates": "on"}).status_code == 302
    assert Customer.objects.get(pk=mine.pk).name == "华东机械（上海）有限公司"
    api = Client()
    api.defaults["HTTP_AUTHORIZATION"] = "Bearer " + org_services.api_token_create(actor=cast.rep, name="t").secret
    url = f"/api/v1/customers/{mine.pk}"
    refused = api.patch(url, {"name": "上海市华东机械"}, content_type="application/json")
    assert refused.status_code == 409 and "name" in refused.json()["fields"]
    saved = api.patch(url, {"name": "上海市华东机械", "allow_duplicates": True}, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["name"] == "上海市华东机械"


def test_the_masked_search_finds_similar_names_and_still_shows_only_the_masked_details(cast):
    services.customer_create(
        actor=cast.other_branch_rep, client_id=uuid.uuid4(), name="上海华东机械有限公司", phone="13912345678",
        credit_code="91350100M000100Y43",
    )  # fmt: skip
    services.customer_create(actor=cast.other_branch_rep, client_id=uuid.uuid4(), name="北京华东机械有限公司")
    [match] = all_orgs_masked_existence_check(actor=cast.rep, query="华东机械（上海）")
    assert (match.name, match.owner_department, match.in_pool, match.mine) == (
        "上海华东机械有限公司", "北京分公司", False, False
    )  # fmt: skip
    assert {m.name for m in all_orgs_masked_existence_check(actor=cast.rep, query="华东机械")} == {
        "上海华东机械有限公司", "北京华东机械有限公司"
    }  # fmt: skip
    page = cast.client_for(cast.rep).get("/customers/check/?q=华东机械（上海）").content.decode()
    results = page.split('data-testid="existence-results"')[1]
    assert "上海华东机械有限公司" in results and "13912345678" not in page and "91350100M000100Y43" not in page


def test_the_stored_match_keys_follow_the_name_and_phone(cast):
    customer, _ = services.customer_create(
        actor=cast.rep, client_id=uuid.uuid4(), name="华东机械（上海）有限公司", phone="+86 138-0013-8000"
    )
    assert (customer.name_key, customer.phone_key) == ("上海华东机械", "13800138000")

    services.customer_update(actor=cast.rep, customer_id=customer.pk, name="宁波港口物流", phone="0574-8765 4321")

    stored = Customer.objects.values_list("name_key", "phone_key").get(pk=customer.pk)
    assert stored == ("宁波港口物流", "057487654321")


def test_a_collaborator_who_may_not_change_a_customer_may_not_merge_it_away_either(cast):
    """Ben's customer lists Mia as a collaborator: she sees it, may not edit or archive it (another branch),
    so she may not merge it into one of her own (nor hers into it)."""
    from fieldloop.customers.models import Contact, Customer

    theirs = services.customer_create(actor=cast.other_branch_rep, client_id=uuid.uuid4(), name="北京华远机械有限公司",
                                      collaborator_ids=[cast.manager.pk])[0]  # fmt: skip
    services.contact_create(actor=cast.other_branch_rep, customer_id=theirs.pk, client_id=uuid.uuid4(), name="王经理")
    mine = services.customer_create(actor=cast.manager, client_id=uuid.uuid4(), name="上海精工机械有限公司")[0]
    client = cast.client_for(cast.manager)
    assert client.get(f"/api/v1/customers/{theirs.pk}").status_code == 200  # she sees it
    assert client.patch(f"/api/v1/customers/{theirs.pk}", {"phone": "13800000000"},
                        content_type="application/json").status_code == 403  # fmt: skip
    for keep, gone in ((mine, theirs), (theirs, mine)):
        response = client.post(f"/api/v1/customers/{keep.pk}/merge", {"merge_id": gone.pk},
                               content_type="application/json")  # fmt: skip
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    theirs.refresh_from_db()
    assert theirs.archived_at is None
    assert Contact.objects.filter(customer=theirs).count() == 1
    assert Customer.objects.get(pk=mine.pk).archived_at is None
    # nor add or edit its contacts
    with pytest.raises(ServiceError) as refused:
        services.contact_create(actor=cast.manager, customer_id=theirs.pk, client_id=uuid.uuid4(), name="李四")
    assert refused.value.code == "forbidden"
