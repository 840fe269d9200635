"""One term per concept, in each language, everywhere: the glossary checked over the catalogues.

A rep who reads 外勤 on one page and 拜访 on the next wonders whether they are two things. Each concept has
one English word (what the code's msgids say) and one Chinese word (what the zh-Hans catalogue says); a
message that names the concept in English must name it with that word in Chinese, and the variants a
translator might reach for are refused everywhere. Placeholders (%(customer)s, {{ name }}) are not words of
the message and are left out before matching.
"""

import re
from dataclasses import dataclass

import pytest

from .test_translations import EN_PO, ZH_PO, Entry, live_entries


@dataclass(frozen=True)
class Term:
    concept: str
    english: str  # a regex over the msgid, case-insensitive, placeholders removed
    chinese: str  # a regex the zh-Hans msgstr must match
    exceptions: frozenset[str] = frozenset()  # msgids that use the English word in another sense


GLOSSARY = [
    Term("visit", r"\bvisit(s|ed|ing)?\b", "拜访"),
    Term("visit type", r"\bvisit types?\b", "拜访类型"),
    Term("visit step", r"\bvisit steps?\b", "拜访步骤"),
    Term("work record", r"\bwork records?\b", "工作记录"),
    Term("created at", r"^created at$", "^创建时间$"),
    Term("the customer's pool", r"^pool$", "^所属公海$"),
    Term("public pool", r"\b(public )?pools?\b", "公海"),
    Term("check-in", r"\bcheck(s|ed|ing)?[- ]?ins?\b", "签到"),
    Term("check-out", r"\bcheck(s|ed|ing)?[- ]?outs?\b", "签退"),
    Term("customer", r"\bcustomers?\b", "客户"),
    Term("contact", r"\bcontacts?\b", "联系人", frozenset({"Contact and location"})),
    Term("follow-up", r"\bfollow(s|ed|ing)?[- ]?ups?\b", "跟进"),
    Term("owner", r"\bowners?\b", "负责人"),
    Term("department", r"\bdepartments?\b", "部门"),
    Term("employee", r"\bemployees?\b", "员工|人员|工号"),
    Term("form template", r"\b(form )?templates?\b", "模板"),
    Term("stage", r"\bstages?\b", "阶段"),
    Term("notification", r"\bnotifications?\b", "通知"),
]

# Words a translator might reach for instead of the glossary's: refused anywhere in a catalogue.
ZH_VARIANTS = {
    "外勤拜访": "拜访",
    "外勤类型": "拜访类型",
    "外勤步骤": "拜访步骤",
    "访问客户": "拜访客户",
    "工作日志": "工作记录",
    "公海池": "公海",
    "客户池": "公海",
    "创建于": "创建时间",
    "业务员": "销售代表",
}
EN_VARIANTS = {
    r"\blog ?in\b|\blogin\b": "sign in",
    r"\blog ?out\b|\blogout\b": "sign out",
    r"\bsales(man|men|person|people)\b": "rep",
    r"\bwork logs?\b": "work record",
    r"\bpublic seas?\b": "public pool",
}

PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|\{\{[^}]*\}\}|\{[^}]*\}")


def _words(msgid: str) -> str:
    return PLACEHOLDER.sub(" ", msgid).strip()


def _translations(entry: Entry) -> list[str]:
    return [s for s in entry.msgstr.values() if s]


def term_violations(term: Term, entries: list[Entry]) -> list[str]:
    wrong = []
    for entry in entries:
        assert entry.msgid is not None
        if entry.msgid in term.exceptions or not re.search(term.english, _words(entry.msgid), re.IGNORECASE):
            continue
        wrong += [f"{entry.msgid!r} => {s!r}" for s in _translations(entry) if not re.search(term.chinese, s)]
    return wrong


def zh_variant_violations(entries: list[Entry]) -> list[str]:
    return [
        f"{entry.msgid!r} => {s!r}: say {ZH_VARIANTS[v]!r}, not {v!r}"
        for entry in entries
        for s in _translations(entry)
        for v in ZH_VARIANTS
        if v in s
    ]


def en_variant_violations(entries: list[Entry]) -> list[str]:
    return [
        f"{entry.msgid!r}: say {word!r}"
        for entry in entries
        for pattern, word in EN_VARIANTS.items()
        if entry.msgid and re.search(pattern, _words(entry.msgid), re.IGNORECASE)
    ]


@pytest.mark.parametrize("term", GLOSSARY, ids=lambda t: t.concept)
def test_a_concept_named_in_english_is_named_with_the_glossary_word_in_chinese(term: Term) -> None:
    wrong = term_violations(term, live_entries(ZH_PO))
    assert not wrong, f"{term.concept} is {term.chinese!r} in Chinese:\n" + "\n".join(wrong)


def test_no_chinese_message_uses_a_variant_of_a_glossary_word() -> None:
    wrong = zh_variant_violations(live_entries(ZH_PO))
    assert not wrong, "\n".join(wrong)


def test_no_english_message_uses_a_variant_of_a_glossary_word() -> None:
    wrong = en_variant_violations(live_entries(EN_PO))
    assert not wrong, "\n".join(wrong)


def test_the_checks_catch_a_message_off_the_glossary() -> None:
    """The checks above pass only because the catalogues keep the glossary: off-glossary messages are caught,
    and a placeholder named like a concept is not taken for the word."""
    visit_type = next(t for t in GLOSSARY if t.concept == "visit type")
    customer = next(t for t in GLOSSARY if t.concept == "customer")
    off = Entry(line=1, flags=set(), msgid="%(n)d visit types", msgstr={0: "%(n)d 个外勤类型"})
    placeholder = Entry(line=2, flags=set(), msgid="Called %(customer)s", msgstr={0: "已致电%(customer)s"})
    english = Entry(line=3, flags=set(), msgid="Log in first", msgstr={0: ""})
    assert term_violations(visit_type, [off]) == ["'%(n)d visit types' => '%(n)d 个外勤类型'"]
    assert zh_variant_violations([off])
    assert term_violations(customer, [placeholder]) == []
    assert en_variant_violations([english]) == ["'Log in first': say 'sign in'"]
