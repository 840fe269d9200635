"""The zh-Hans catalogue is complete, compiles, and is the one Django actually uses.

Run `make messages` after adding or changing UI strings, then translate every new entry in
locale/zh_Hans/LC_MESSAGES/django.po (and clear any "#, fuzzy" flag msgmerge left behind).
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

from fieldloop.org.models import DataScope, EmployeeStatus, Role

ZH_PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

# What `make messages` scans: makemessages' default extensions for the "django" domain, minus the
# directories it skips by default (hidden ones) or is told to skip (--ignore=.venv/node_modules/var).
SOURCE_EXTENSIONS = {".py", ".html", ".txt"}
SKIPPED_DIRS = {"node_modules", "var", "locale", "__pycache__"}
# The keywords makemessages passes to xgettext for the "django" domain (on top of xgettext's Python defaults).
XGETTEXT_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(quoted: str) -> str:
    body = quoted.strip()
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise ValueError(f"not a quoted PO string: {quoted!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), body[1:-1])


@dataclass
class Entry:
    line: int
    flags: set[str]
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        assert self.msgid is not None
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    def describe(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def parse_po(text: str) -> list[Entry]:
    """A small PO parser: msgctxt, msgid, msgid_plural, msgstr, msgstr[n], "..." continuations and "#," flags.

    Obsolete entries ("#~" lines) are left out: msgfmt and Django ignore them too.
    """
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    field_name, plural_index = "", 0  # the field a "..." continuation line appends to

    def finish() -> None:
        nonlocal current, flags
        if current is not None:
            entries.append(current)
        current, flags = None, set()

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:  # comments of the next entry, no blank line between
                finish()
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match[1], match[2], _unquote(match[3])
            if keyword in ("msgctxt", "msgid") and current is not None and (current.msgstr or keyword == "msgctxt"):
                finish()
            if current is None:
                current = Entry(line=number, flags=flags)
            if keyword.startswith("msgstr"):
                field_name, plural_index = "msgstr", int(index) if index is not None else 0
                current.msgstr[plural_index] = value
            else:
                field_name = keyword
                setattr(current, keyword, value)
            continue
        if line.startswith('"') and current is not None:
            value = _unquote(line)
            if field_name == "msgstr":
                current.msgstr[plural_index] += value
            else:
                setattr(current, field_name, (getattr(current, field_name) or "") + value)
            continue
        raise AssertionError(f"line {number} of the catalogue is not valid PO syntax: {raw!r}")
    finish()
    return [entry for entry in entries if entry.msgid is not None]


def live_entries(path: Path) -> list[Entry]:
    return parse_po(path.read_text(encoding="utf-8"))


def header_fields(entries: list[Entry]) -> tuple[Entry, dict[str, str]]:
    headers = [entry for entry in entries if entry.is_header]
    assert len(headers) == 1, 'the catalogue needs exactly one header entry (msgid "")'
    header = headers[0]
    values = {}
    for line in header.msgstr.get(0, "").splitlines():
        name, _, value = line.partition(":")
        values[name.strip()] = value.strip()
    return header, values


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} (GNU gettext) is not installed; `make install` installs it"
    return path


def messages_used_by_code(tmp_path: Path) -> set[tuple[str | None, str, str | None]]:
    """The msgids `make messages` would extract: xgettext over the Python code and the templatized templates."""
    base = Path(settings.BASE_DIR)
    extra_ignored = {os.path.normpath(p) for p in (settings.STATIC_ROOT, settings.MEDIA_ROOT) if p}
    inputs: list[str] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and d not in SKIPPED_DIRS and os.path.join(dirpath, d) not in extra_ignored
        )
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.suffix not in SOURCE_EXTENSIONS or filename.startswith("."):
                continue
            if path.suffix == ".py":
                inputs.append(str(path))
                continue
            relative = path.relative_to(base)
            work_path = tmp_path / "templatized" / f"{relative}.py"
            work_path.parent.mkdir(parents=True, exist_ok=True)
            work_path.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(relative)), encoding="utf-8")
            inputs.append(str(work_path))
    files_from = tmp_path / "files.txt"
    files_from.write_text("\n".join(inputs) + "\n", encoding="utf-8")
    pot = tmp_path / "django.pot"
    result = subprocess.run(  # noqa: S603 - fixed gettext tool, arguments built here
        [
            tool("xgettext"),
            "-d", "django", "--language=Python", *XGETTEXT_KEYWORDS,
            "--from-code=UTF-8", f"--files-from={files_from}", f"--output={pot}", "--force-po",
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"xgettext failed:\n{result.stderr}"
    return {entry.key for entry in live_entries(pot) if not entry.is_header}


def test_zh_hans_header_is_valid() -> None:
    header, values = header_fields(live_entries(ZH_PO))
    assert "fuzzy" not in header.flags, "remove the '#, fuzzy' flag from the header entry"
    assert values.get("Language") == "zh_Hans"
    assert values.get("Content-Type") == "text/plain; charset=UTF-8"
    assert values.get("Plural-Forms") == "nplurals=1; plural=0;"


def test_en_header_is_valid() -> None:
    header, values = header_fields(live_entries(EN_PO))
    assert "fuzzy" not in header.flags, "remove the '#, fuzzy' flag from the header entry"
    assert values.get("Content-Type") == "text/plain; charset=UTF-8"
    assert values.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"


def test_every_zh_hans_message_is_translated_and_not_fuzzy() -> None:
    entries = [entry for entry in live_entries(ZH_PO) if not entry.is_header]
    assert entries, "the zh_Hans catalogue has no messages"
    fuzzy = [entry.describe() for entry in entries if "fuzzy" in entry.flags]
    # zh-Hans has one plural form, so plural entries need msgstr[0] just like the others.
    untranslated = [entry.describe() for entry in entries if not entry.msgstr.get(0, "").strip()]
    assert not fuzzy, "fuzzy entries in locale/zh_Hans (check the translation, then drop the flag):\n" + "\n".join(
        fuzzy
    )
    assert not untranslated, "untranslated entries in locale/zh_Hans:\n" + "\n".join(untranslated)


@pytest.mark.parametrize("path", [ZH_PO, EN_PO], ids=["zh_Hans", "en"])
def test_catalogue_compiles(path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed gettext tool, arguments built here
        [tool("msgfmt"), "--check", "-o", os.devnull, str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"msgfmt --check {path} failed:\n{result.stderr}"


def test_zh_hans_catalogue_has_every_message_the_code_uses(tmp_path: Path) -> None:
    in_catalogue = {entry.key for entry in live_entries(ZH_PO) if not entry.is_header}
    missing = sorted(messages_used_by_code(tmp_path) - in_catalogue, key=lambda key: (key[1], key[0] or ""))
    assert not missing, (
        "messages used by the code but missing from locale/zh_Hans (run `make messages` and translate them):\n"
        + "\n".join(repr(key[1]) + (f" (context {key[0]!r})" if key[0] else "") for key in missing)
    )


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Sign in", "登录"),
        ("Sign out", "退出登录"),
        ("Organization settings", "企业设置"),
        ("Employee number", "工号"),
        ("Reports to", "直属上级"),
        ("API token", "API 令牌"),
        ("Archive", "归档"),
    ],
)
def test_gettext_translates_core_strings_in_zh_hans(english: str, chinese: str) -> None:
    # The .mo files are compiled by `make test` (locale/.compiled) before the suite runs.
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese


# Held in a constant (not written inside a gettext call) so makemessages does not list this test as a user.
MEMBER_COUNT = ("%(n)s member", "%(n)s members")  # templates/org/_department_node.html


def test_choice_labels_and_plurals_in_zh_hans() -> None:
    with translation.override("zh-hans"):
        assert str(Role.REP.label) == "销售代表"
        assert str(Role.DIRECTOR.label) == "销售总监"
        assert str(Role.ADMIN.label) == "管理员"
        assert str(DataScope.SUBORDINATES.label) == "本人及下属数据"
        assert str(EmployeeStatus.LEFT.label) == "已离职"
        for n in (1, 5):
            assert translation.ngettext(*MEMBER_COUNT, n) % {"n": n} == f"{n} 人"


def test_english_is_the_source_text() -> None:
    with translation.override("en"):
        assert str(Role.REP.label) == "Sales rep"
        assert translation.ngettext(*MEMBER_COUNT, 1) % {"n": 1} == "1 member"
        assert translation.ngettext(*MEMBER_COUNT, 5) % {"n": 5} == "5 members"
