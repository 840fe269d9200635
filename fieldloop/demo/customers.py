"""Demo customers for the demo company: Chinese company names, addresses and coordinates around real
cities, owners among the reps, contacts, one timeline entry each. Bulk inserts, deterministic per seed."""

import json
import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from fieldloop.core.bulk import JsonText, allocate_ids, indexes_rebuilt_after, insert_rows
from fieldloop.customers import credit_code
from fieldloop.customers.models import (
    Contact,
    Customer,
    CustomerEvent,
    CustomerEventKind,
    CustomerLevel,
    CustomerPool,
    CustomerSource,
    CustomerStage,
    CustomerTag,
    PoolMembership,
    Tag,
    TagColour,
)
from fieldloop.customers.names import NAME_KEY_LENGTH, PHONE_KEY_LENGTH, normalise_name, normalise_phone
from fieldloop.org.models import Department, Employee, Role

from .context import DemoContext
from .words import Words

COUNTS = {"small": 2_000, "medium": 20_000, "large": 200_000}

# (province, city, latitude, longitude, districts) - city centres, WGS-84
CITIES = [
    ("上海市", "上海", 31.2304, 121.4737, ["浦东新区", "闵行区", "徐汇区", "嘉定区", "松江区"]),
    ("北京市", "北京", 39.9042, 116.4074, ["朝阳区", "海淀区", "丰台区", "大兴区", "顺义区"]),
    ("广东省", "广州", 23.1291, 113.2644, ["天河区", "白云区", "番禺区", "黄埔区"]),
    ("广东省", "深圳", 22.5431, 114.0579, ["南山区", "宝安区", "龙岗区", "福田区"]),
    ("浙江省", "杭州", 30.2741, 120.1551, ["西湖区", "余杭区", "萧山区", "滨江区"]),
    ("江苏省", "南京", 32.0603, 118.7969, ["江宁区", "鼓楼区", "浦口区"]),
    ("江苏省", "苏州", 31.2989, 120.5853, ["工业园区", "吴中区", "相城区", "昆山市"]),
    ("四川省", "成都", 30.5728, 104.0668, ["武侯区", "高新区", "双流区", "成华区"]),
    ("湖北省", "武汉", 30.5928, 114.3055, ["江汉区", "洪山区", "东西湖区"]),
    ("陕西省", "西安", 34.3416, 108.9398, ["雁塔区", "未央区", "长安区"]),
]
INDUSTRIES = [
    "机械制造",
    "五金建材",
    "食品饮料",
    "医疗器械",
    "汽车配件",
    "电子元件",
    "化工原料",
    "零售连锁",
    "物流仓储",
]
SUFFIXES = ["有限公司", "股份有限公司", "贸易有限公司", "科技有限公司", "实业有限公司"]
TITLES = ["总经理", "采购经理", "采购主管", "技术总监", "店长", "财务经理"]
# the organization's tags: (name, colour, group)
TAGS = [
    ("重点", TagColour.RED, "客户价值"),
    ("老客户", TagColour.GREEN, "客户价值"),
    ("新客户", TagColour.AZURE, "客户价值"),
    ("经销商", TagColour.PURPLE, "渠道"),
    ("终端", TagColour.ORANGE, "渠道"),
    ("价格敏感", TagColour.YELLOW, ""),
]


# the columns each row below gives, in its order (the rest keep their defaults: empty text, NULL)
CUSTOMER_COLUMNS = (
    "id", "created_at", "updated_at", "org_id", "client_id", "name", "short_name", "credit_code", "industry", "level",
    "stage_id", "source", "phone", "website", "province", "city", "district", "address", "latitude", "longitude",
    "owner_id", "pool_id", "protected_until", "claimed_at", "released_at", "custom_values", "created_by_id",
    "name_key", "phone_key",
)  # fmt: skip
CREATED_BY = CUSTOMER_COLUMNS.index("created_by_id")
# one owned customer in this many was added by its rep (on the day of the claim: the daily cards' "new customers");
# the rest by the administrator's import
REP_CREATED_EVERY = 20
CONTACT_COLUMNS = (
    "created_at", "updated_at", "org_id", "client_id", "customer_id", "name", "title", "mobile", "is_primary", "phone",
    "email", "wechat", "notes",
)  # fmt: skip
EVENT_COLUMNS = ("created_at", "updated_at", "org_id", "customer_id", "actor_id", "kind", "changes", "summary")


def _branch_cities(ctx: DemoContext) -> dict[int, tuple[str, str, float, float, list[str]]]:
    """Each department's city (of CITIES), from the nearest "<city>分公司" at or above it."""
    by_name = {place[1]: place for place in CITIES}
    by_pk = {d.pk: d for d in ctx.departments}
    found: dict[int, tuple[str, str, float, float, list[str]]] = {}
    for d in ctx.departments:
        above: Department | None = d
        while above is not None:
            city = above.name.removesuffix("分公司")
            if city != above.name and city in by_name:
                found[d.pk] = by_name[city]
                break
            above = by_pk.get(above.parent_id) if above.parent_id else None
    return found


def build_customers(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    count = COUNTS[ctx.size_name]
    reps = [e for e in ctx.employees if e.role == Role.REP]
    creator = next(e for e in ctx.employees if e.role == Role.ADMIN)
    stages = list(CustomerStage.objects.filter(org=ctx.org, is_active=True))  # the defaults, made by build_org
    pool = CustomerPool.objects.create(org=ctx.org, name="公海", description="全公司公海")
    PoolMembership.objects.bulk_create(PoolMembership(org=ctx.org, pool=pool, employee=e) for e in reps)
    won = next(s for s in stages if s.is_won)
    pool.keep_stages.add(won)
    tags = Tag.objects.bulk_create(Tag(org=ctx.org, name=n, colour=c, group=g) for n, c, g in TAGS)
    ctx.counts["customers"] = count
    ctx.progress.set_total(count)
    with indexes_rebuilt_after(Customer):  # built once at the end: the name's trigram indexes cost most by row
        _insert_customers(ctx, count, pool, stages, tags, reps, creator)


def _insert_customers(
    ctx: DemoContext, count: int, pool: CustomerPool, stages: list[CustomerStage], tags: list[Tag],
    reps: list[Employee], creator: Employee,
) -> None:  # fmt: skip
    rng, words = ctx.rng, Words(ctx.faker)
    home_city = _branch_cities(ctx)
    codes: set[str] = set()
    org_id, pool_id, creator_id, tag_ids = pool.org_id, pool.pk, creator.pk, [t.pk for t in tags]
    no_values = JsonText("{}")
    batch = 5_000
    for start in range(0, count, batch):
        size = min(batch, count - start)
        ids = allocate_ids(Customer, size)
        now = timezone.now()
        customers: list[tuple[Any, ...]] = []
        chosen: list[list[int]] = []
        for pk in ids:
            place = rng.choice(CITIES)
            districts = place[4]
            industry = rng.choice(INDUSTRIES)
            code = ""
            if rng.random() < 0.7:
                first17 = (
                    "91"
                    + "".join(rng.choice(credit_code.ALPHABET[:10]) for _ in range(6))
                    + "".join(rng.choice(credit_code.ALPHABET) for _ in range(9))
                )
                code = first17 + credit_code.check_character(first17)
                if code in codes:
                    code = ""
                codes.add(code)
            prefix, suffix = words.company_prefix(), rng.choice(SUFFIXES)
            located = rng.random() < 0.85
            in_pool = rng.random() < 0.1  # one customer in ten waits in the public pool
            claimed_at = ctx.now - timedelta(days=rng.randint(0, 25))  # or put in the pool, for a pool one
            protected_until = claimed_at + timedelta(days=pool.protection_days)
            # drawn in the order the demo always drew them, so a seed builds the company it built before
            client_id = uuid.UUID(int=rng.getrandbits(128))
            level = rng.choices(CustomerLevel.values, weights=[1, 3, 5, 2])[0]
            stage = rng.choices(stages, weights=[5, 3, 2, 1][: len(stages)])[0]
            source = rng.choice(CustomerSource.values)
            phone = words.phone_number()
            district = districts.index(rng.choice(districts))
            address = words.street_address()
            north, east = (rng.gauss(0, 0.06), rng.gauss(0, 0.07)) if located else (None, None)
            chosen.append(rng.sample(tag_ids, rng.randint(0, 2)))
            owner = None if in_pool else rng.choice(reps)
            # an owned customer lies in its rep's branch city (where the demo has one); a pool one anywhere
            province, city, lat, lon, districts = home_city.get(owner.department_id, place) if owner else place
            name = f"{city}{prefix}{industry[:2]}{suffix}"
            customers.append((
                pk, now, now, org_id, client_id, name, name[len(city) : len(city) + 4], code, industry, level,
                stage.pk, source, phone, "", province, city, districts[district % len(districts)], address,
                None if north is None else round(lat + north, 6), None if east is None else round(lon + east, 6),
                owner.pk if owner else None, pool_id, None if in_pool else protected_until,
                None if in_pool else claimed_at, claimed_at if in_pool else None, no_values,
                owner.pk if owner and pk % REP_CREATED_EVERY == 0 else creator_id,
                normalise_name(name)[:NAME_KEY_LENGTH], normalise_phone(phone)[:PHONE_KEY_LENGTH],
            ))  # fmt: skip
        insert_rows(Customer, CUSTOMER_COLUMNS, customers)
        ctx.progress.advance(size)
        # newest first, the order the demo always drew their contacts in
        saved = [
            (row[0], row[5], row[CREATED_BY], tags)
            for row, tags in zip(reversed(customers), reversed(chosen), strict=True)
        ]
        insert_rows(
            CustomerTag, ("org_id", "customer_id", "tag_id"), ((org_id, pk, t) for pk, _, _, ts in saved for t in ts)
        )
        contacts, events = [], []
        for pk, name, author_id, _ in saved:
            for n in range(rng.choice((1, 1, 2))):
                contacts.append((
                    now, now, org_id, uuid.UUID(int=rng.getrandbits(128)), pk, words.name(), rng.choice(TITLES),
                    words.phone_number(), n == 0, "", "", "", "",
                ))  # fmt: skip
            events.append((now, now, org_id, pk, author_id, CustomerEventKind.CREATED.value,
                           JsonText(json.dumps({"name": [None, name]}, ensure_ascii=False)), ""))  # fmt: skip
        insert_rows(Contact, CONTACT_COLUMNS, contacts)
        insert_rows(CustomerEvent, EVENT_COLUMNS, events)
