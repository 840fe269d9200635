"""Demo customers for the demo company: Chinese company names, addresses and coordinates around real
cities, owners among the reps, contacts, one timeline entry each. Bulk inserts, deterministic per seed."""

import uuid
from datetime import timedelta

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
from fieldloop.org.models import Role

from .context import DemoContext

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


def build_customers(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    rng, faker = ctx.rng, ctx.faker
    count = COUNTS[ctx.size_name]
    reps = [e for e in ctx.employees if e.role == Role.REP]
    creator = next(e for e in ctx.employees if e.role == Role.ADMIN)
    stages = list(CustomerStage.objects.filter(org=ctx.org, is_active=True))  # the defaults, made by build_org
    pool = CustomerPool.objects.create(org=ctx.org, name="公海", description="全公司公海")
    PoolMembership.objects.bulk_create(PoolMembership(org=ctx.org, pool=pool, employee=e) for e in reps)
    won = next(s for s in stages if s.is_won)
    pool.keep_stages.add(won)
    tags = Tag.objects.bulk_create(Tag(org=ctx.org, name=n, colour=c, group=g) for n, c, g in TAGS)
    codes: set[str] = set()
    ctx.counts["customers"] = count
    ctx.progress.set_total(count)
    batch = 5_000
    for start in range(0, count, batch):
        customers = []
        chosen: dict[uuid.UUID, list[Tag]] = {}
        for _ in range(min(batch, count - start)):
            province, city, lat, lon, districts = rng.choice(CITIES)
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
            name = f"{city}{faker.company_prefix()}{industry[:2]}{rng.choice(SUFFIXES)}"
            located = rng.random() < 0.85
            in_pool = rng.random() < 0.1  # one customer in ten waits in the public pool
            claimed_at = ctx.now - timedelta(days=rng.randint(0, 25))
            protected_until = claimed_at + timedelta(days=pool.protection_days)
            # drawn in the order the demo always drew them, so a seed builds the company it built before
            client_id = uuid.UUID(int=rng.getrandbits(128))
            level = rng.choices(CustomerLevel.values, weights=[1, 3, 5, 2])[0]
            stage = rng.choices(stages, weights=[5, 3, 2, 1][: len(stages)])[0]
            source = rng.choice(CustomerSource.values)
            phone = faker.phone_number()
            district = rng.choice(districts)
            address = faker.street_address()
            latitude = round(lat + rng.gauss(0, 0.06), 6) if located else None
            longitude = round(lon + rng.gauss(0, 0.07), 6) if located else None
            chosen[client_id] = rng.sample(tags, rng.randint(0, 2))
            customers.append(
                Customer(
                    org=ctx.org,
                    client_id=client_id,
                    name=name,
                    short_name=name[len(city) : len(city) + 4],
                    credit_code=code,
                    industry=industry,
                    level=level,
                    stage=stage,
                    source=source,
                    phone=phone,
                    province=province,
                    city=city,
                    district=district,
                    address=address,
                    latitude=latitude,
                    longitude=longitude,
                    owner=None if in_pool else rng.choice(reps),
                    pool=pool,
                    protected_until=None if in_pool else protected_until,
                    claimed_at=None if in_pool else claimed_at,
                    created_by=creator,
                )
            )
        for customer in customers:
            customer.refresh_match_keys()  # bulk_create bypasses save()
        Customer.objects.bulk_create(customers, batch_size=1_000)
        ctx.progress.advance(len(customers))
        saved = list(Customer.objects.filter(org=ctx.org).order_by("-id")[: len(customers)])
        CustomerTag.objects.bulk_create(
            (CustomerTag(org=ctx.org, customer=c, tag=t) for c in saved for t in chosen.get(c.client_id, [])),
            batch_size=1_000,
        )
        contacts, events = [], []
        for customer in saved:
            for n in range(rng.choice((1, 1, 2))):
                contacts.append(
                    Contact(
                        org=ctx.org, customer=customer, client_id=uuid.UUID(int=rng.getrandbits(128)),
                        name=faker.name(), title=rng.choice(TITLES), mobile=faker.phone_number(), is_primary=n == 0,
                    )
                )  # fmt: skip
            events.append(
                CustomerEvent(
                    org=ctx.org, customer=customer, actor=creator, kind=CustomerEventKind.CREATED,
                    changes={"name": [None, customer.name]},
                )
            )  # fmt: skip
        Contact.objects.bulk_create(contacts, batch_size=2_000)
        CustomerEvent.objects.bulk_create(events, batch_size=2_000)
