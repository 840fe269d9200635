"""What every demo step shares: the size, the seeded randomness, and what earlier steps built."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from faker import Faker

from fieldloop.core.progress import Step
from fieldloop.org.models import Department, Employee, Organization

DEMO_PASSWORD = "fieldloop-demo"
DEMO_ORG_NAME = "华东机械有限公司"

REGIONS = ["华东大区", "华北大区", "华南大区", "西南大区", "华中大区", "东北大区", "西北大区"]
CITIES = [
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "成都",
    "重庆",
    "武汉",
    "西安",
    "苏州",
    "天津",
    "长沙",
    "郑州",
    "青岛",
    "宁波",
    "厦门",
    "合肥",
    "济南",
    "沈阳",
    "大连",
    "昆明",
    "福州",
    "无锡",
    "哈尔滨",
    "长春",
    "南昌",
    "贵阳",
    "南宁",
    "太原",
]
TEAMS = ["一组", "二组", "三组", "四组", "五组", "六组"]


@dataclass(frozen=True)
class DemoSize:
    """The tree's shape: branching per level below the sales centre, and reps per leaf team."""

    fanout: tuple[int, ...]
    reps_per_team: int


SIZES: dict[str, DemoSize] = {
    "small": DemoSize(fanout=(3,), reps_per_team=8),  # 3 levels, ~30 employees
    "medium": DemoSize(fanout=(4, 4), reps_per_team=15),  # 4 levels, ~270 employees
    "large": DemoSize(fanout=(5, 5, 4), reps_per_team=18),  # 5 levels, ~2,000 employees
}


@dataclass
class DemoLogin:
    role: str
    username: str
    name: str
    department: str


@dataclass(frozen=True)
class StepRecord:
    """What a build step made (counts by kind) and how long it took, for the benchmark."""

    name: str
    seconds: float
    made: dict[str, int]


@dataclass
class DemoContext:
    size_name: str
    size: DemoSize
    rng: random.Random
    faker: Faker
    org: Organization | None = None
    employees: list[Employee] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # what each step built, for the summary
    steps: list[StepRecord] = field(default_factory=list)  # each step run, in order
    # The running step's progress (core.progress): a step that builds in batches sets its total and advances it.
    progress: Step = field(default_factory=lambda: Step(label=""))
    today: date = field(default_factory=date.today)
    now: datetime = field(default_factory=timezone.now)
