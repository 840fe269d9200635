"""Company names and phone numbers normalised for matching: pure functions, no database.

Customers store the results (`Customer.name_key`, `Customer.phone_key`, kept by `Customer.save` and by
bulk writers through `refresh_match_keys`), so an exact duplicate check is an index lookup, not a scan
of the organization's customers in Python.
"""

import re
import unicodedata
from dataclasses import dataclass

NAME_KEY_LENGTH = 160
PHONE_KEY_LENGTH = 32

# Legal forms, removed from the end (repeatedly: "集团股份有限公司"); after NFKC and case folding.
LEGAL_FORMS = re.compile(
    r"(?:股份有限公司|有限责任公司|有限公司|股份公司|集团公司|总公司|公司|集团|控股"
    r"|(?<![a-z0-9])(?:co\.?\s*,?\s*ltd\.?|company\s+limited|limited|ltd\.?|inc\.?|incorporated|corp\.?"
    r"|corporation|company|co\.?|llc|plc|gmbh|group|holdings?))$"
)
# A branch (分公司, 办事处, ...) is a customer of its own: names match only with the same branch.
BRANCH = re.compile(r"(?:分公司|分厂|分店|分行|支行|办事处|营业部|分部|分中心|branch(?:office)?)$")
PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 "
    "云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
)
CITIES = (
    "广州 深圳 珠海 佛山 东莞 中山 惠州 杭州 宁波 温州 嘉兴 绍兴 金华 台州 湖州 南京 苏州 无锡 常州 南通 扬州 徐州 "
    "镇江 昆山 合肥 芜湖 福州 厦门 泉州 南昌 济南 青岛 烟台 潍坊 淄博 威海 郑州 洛阳 武汉 宜昌 襄阳 长沙 株洲 "
    "成都 绵阳 贵阳 昆明 西安 兰州 西宁 银川 乌鲁木齐 拉萨 南宁 柳州 桂林 海口 三亚 石家庄 唐山 保定 廊坊 太原 "
    "大同 沈阳 大连 长春 吉林 哈尔滨 大庆 呼和浩特 包头"
)
REGION = "|".join(sorted(set((PROVINCES + " " + CITIES).split()), key=len, reverse=True))
REGION_SUFFIX = r"(?:省|市|自治区|特别行政区|壮族自治区|回族自治区|维吾尔自治区)?"
LEADING_REGION = re.compile(rf"^({REGION}){REGION_SUFFIX}")
TRAILING_REGION = re.compile(rf"({REGION}){REGION_SUFFIX}$")
BRACKETED = re.compile(r"[(\[]([^()\[\]]*)[)\]]")


@dataclass(frozen=True)
class NameKey:
    """A company name taken apart for matching: where it says it is, its trade name and business (the
    core), and the branch it names, each without spaces, punctuation, case or width."""

    regions: tuple[str, ...]  # 江苏省苏州市… gives (江苏, 苏州)
    core: str
    branch: str


def _bare(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _strip_legal_forms(text: str) -> str:
    while True:
        text = re.sub(r"[\s,.·&-]+$", "", text)
        stripped = LEGAL_FORMS.sub("", text)
        if stripped == text or not _bare(stripped):
            return text
        text = stripped


def name_key(name: str) -> NameKey:
    """上海华东机械有限公司, 华东机械(上海)有限公司 (full-width brackets too) and 上海市华东机械 all give
    ((上海,), 华东机械, ""); 上海华东机械有限公司北京分公司 gives ((上海,), 华东机械, 北京分公司)."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name).casefold()).strip()
    text = text.replace("【", "[").replace("】", "]")
    branch = ""
    marker = BRANCH.search(text.replace(" ", ""))
    if marker is not None:
        head = text.replace(" ", "")[: marker.start()]
        parts = re.split(r"(?:股份有限公司|有限责任公司|有限公司)", head)
        place = ""
        if len(parts) > 1 and _bare(parts[-1]):  # 华东机械有限公司北京分公司
            place, head = parts[-1], head[: -len(parts[-1])]
        elif (found := TRAILING_REGION.search(head)) and len(_bare(head[: found.start()])) >= 2:  # 华东机械北京分公司
            place, head = found.group(0), head[: found.start()]
        place = _bare(place)
        region_only = LEADING_REGION.fullmatch(place)
        branch = (region_only.group(1) if region_only else place) + marker.group()
        text = head
    regions: list[str] = []
    for bracket in BRACKETED.finditer(text):
        inner = _bare(bracket.group(1))
        place_match = LEADING_REGION.fullmatch(inner) if inner else None
        if place_match or (inner and LEGAL_FORMS.fullmatch(inner)):  # (上海), (集团)
            regions += [place_match.group(1)] if place_match else []
            text = text.replace(bracket.group(0), " ")
    text = _strip_legal_forms(text.strip())
    for _round in range(2):  # 江苏省苏州市…
        place_match = LEADING_REGION.match(text)
        if place_match is None or len(_bare(text[place_match.end() :])) < 2:
            break
        regions.append(place_match.group(1))
        text = text[place_match.end() :]
    return NameKey(regions=tuple(dict.fromkeys(regions)), core=_bare(_strip_legal_forms(text)), branch=branch)


def normalise_name(name: str) -> str:
    """A company name for exact duplicate matching (the import's): region, core and branch in a fixed
    order, so 上海华东机械有限公司 and 华东机械(上海)有限公司 are the same; full-width, case, spaces,
    punctuation and the legal form do not count."""
    key = name_key(name)
    return "".join(key.regions) + key.core + key.branch


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
