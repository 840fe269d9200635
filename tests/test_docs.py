"""The documents a clone carries say what is there: every link in README.md, CONTRIBUTING.md and docs/ leads to
something in the repository (never `../shared/...`, which a clone does not have), and the user guide has the same
sections and pictures in both languages, each picture one the guide's browser walk takes, small enough to commit."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide"
LANGUAGES = ("zh-Hans", "en")
WALK = ROOT / "tests" / "browser" / "test_user_guide.py"
MAX_IMAGE_BYTES = 120_000
MAX_TOTAL_BYTES = 3_000_000

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)")  # [text](target) and ![alt](target)


def documents() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]


def local_links(document: Path) -> list[str]:
    targets = LINK.findall(document.read_text(encoding="utf-8"))
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


def test_every_link_in_the_documents_stays_in_the_repository_and_leads_somewhere() -> None:
    for document in documents():
        text = document.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{document.name} points outside the repository"
        for target in local_links(document):
            path = (document.parent / target.split("#")[0]).resolve()
            assert path.is_relative_to(ROOT), f"{document.relative_to(ROOT)}: {target} is outside the repository"
            assert path.exists(), f"{document.relative_to(ROOT)}: {target} does not exist"


def test_the_readme_links_the_user_guide() -> None:
    assert "docs/guide/" in (ROOT / "README.md").read_text(encoding="utf-8")


def headings(language: str) -> list[str]:
    text = (GUIDE / f"{language}.md").read_text(encoding="utf-8")
    return [line.split(" ", 1)[0] for line in text.splitlines() if line.startswith("#")]


def pictures(language: str) -> list[str]:
    return [t for t in local_links(GUIDE / f"{language}.md") if t.endswith(".png")]


def test_the_guide_has_the_same_sections_and_pictures_in_both_languages() -> None:
    zh, en = (GUIDE / f"{language}.md" for language in LANGUAGES)
    for three in ("## 销售代表的一天", "## 经理的一周", "## 管理员的设置"):
        assert three in zh.read_text(encoding="utf-8")
    for three in ("## A rep's day", "## A manager's week", "## An admin's set-up"):
        assert three in en.read_text(encoding="utf-8")
    assert headings("zh-Hans") == headings("en")  # the same outline, level by level
    names = {language: [Path(p).name for p in pictures(language)] for language in LANGUAGES}
    assert names["zh-Hans"] == names["en"] and names["en"], names
    for language in LANGUAGES:
        assert all(p.startswith(f"img/{language}/") for p in pictures(language)), pictures(language)


def test_every_picture_is_taken_by_the_walk_committed_and_small() -> None:
    taken = set(re.findall(r"""shot\((?:phone|desk), "([a-z0-9-]+)"\)""", WALK.read_text(encoding="utf-8")))
    total = 0
    for language in LANGUAGES:
        shown = {Path(p).stem for p in pictures(language)}
        assert shown <= taken, f"pictures no walk takes: {shown - taken}"
        on_disk = {p.stem for p in (GUIDE / "img" / language).glob("*.png")}
        assert on_disk == shown, f"{language}: not shown {on_disk - shown}, missing {shown - on_disk}"
        for name in shown:
            size = (GUIDE / "img" / language / f"{name}.png").stat().st_size
            assert size < MAX_IMAGE_BYTES, f"{language}/{name}.png is {size:,} bytes"
            total += size
    assert total < MAX_TOTAL_BYTES, f"the guide's pictures weigh {total:,} bytes"
