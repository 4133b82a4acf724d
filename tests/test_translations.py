"""The interface in Simplified Chinese: every string translated, dates and numbers in Chinese
forms on Chinese pages, and no English interface text left on any page type under /zh-hans/.

Extracting the strings needs GNU gettext (`xgettext`, `msgattrib`, `msgfmt`: the Debian
`gettext` package, which .ci/run installs), as Django's makemessages does.
"""

import datetime
import gettext
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from archive import dates
from archive.models import JournalMetric, Keyword
from tests.factories import (
    add_author,
    add_event_publication,
    add_event_title,
    add_journal_metric,
    add_journal_name,
    add_participant,
    add_person_name,
    add_subject,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)

ROOT = Path(settings.BASE_DIR)
MESSAGES = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
# What makemessages reads: the code and the templates (not the tests, which mark nothing).
SOURCES = ["archive", "templates", "config", "manage.py"]


def gettext_tool(*arguments: str, cwd: Path | None = None) -> str:
    result = subprocess.run(arguments, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def entries(po_text: str) -> list[str]:
    """The msgids of a .po file's entries, long ones joined from their lines (the header's empty
    one left out)."""
    found = re.findall(r'^msgid ((?:".*"\n)+)', po_text, re.MULTILINE)
    msgids = ["".join(re.findall(r'^"(.*)"$', lines, re.MULTILINE)) for lines in found]
    return [msgid for msgid in msgids if msgid]


# --- the catalogue ------------------------------------------------------------------------------


def test_makemessages_finds_no_string_without_a_chinese_translation(tmp_path):
    """makemessages over a copy of the code and templates, merged into a copy of the catalogue:
    nothing may come out untranslated or fuzzy (a string changed since it was translated)."""
    for source in SOURCES:
        if (ROOT / source).is_dir():
            shutil.copytree(
                ROOT / source, tmp_path / source, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(ROOT / source, tmp_path / source)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")

    gettext_tool(sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", cwd=tmp_path)

    merged = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    untranslated = entries(gettext_tool("msgattrib", "--untranslated", "--no-obsolete", merged))
    fuzzy = entries(gettext_tool("msgattrib", "--only-fuzzy", "--no-obsolete", merged))
    assert untranslated == [], "without Chinese (see README, Translations):\n" + "\n".join(
        untranslated
    )
    assert fuzzy == [], "changed since they were translated:\n" + "\n".join(fuzzy)
    assert len(entries(merged.read_text(encoding="utf-8"))) > 500


def test_the_translations_keep_every_placeholder_and_compile():
    statistics = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", MESSAGES / "django.po"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert statistics.returncode == 0, statistics.stderr
    assert re.fullmatch(r"\d+ translated messages\.\n", statistics.stderr), statistics.stderr


def test_the_committed_catalogue_is_compiled_from_the_translations(tmp_path):
    """Django reads the .mo; one left behind by an edit of the .po would show old Chinese."""
    fresh = tmp_path / "django.mo"
    gettext_tool("msgfmt", "-o", str(fresh), str(MESSAGES / "django.po"))
    with (MESSAGES / "django.mo").open("rb") as committed, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == (
            gettext.GNUTranslations(compiled)._catalog
        )


# --- dates and numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "english", "chinese"),
    [
        ("1954", "1954", "1954年"),
        ("1954-09", "September 1954", "1954年9月"),
        ("1954-09-03", "3 September 1954", "1954年9月3日"),
        ("1954-09-XX", "September 1954", "1954年9月"),
        ("1894~", "c. 1894", "约1894年"),
        ("1894?", "1894?", "1894年？"),
        ("1894%", "c. 1894?", "约1894年？"),
        ("195X", "1950s", "1950年代"),
        ("19XX", "1900s", "20世纪"),
        ("1954-23", "Autumn 1954", "1954年秋"),
        ("1954/1957", "1954–1957", "1954—1957年"),
        ("1954-09/1954-10", "September 1954–October 1954", "1954年9月—1954年10月"),
        ("1954~/1957", "c. 1954–1957", "约1954年—1957年"),
        ("1954-09/..", "September 1954–?", "1954年9月—？"),
        ("../1957", "?–1957", "？—1957年"),
    ],
)
def test_a_date_is_read_aloud_in_the_language_of_the_page(value, english, chinese):
    with translation.override("en"):
        assert dates.in_words(value) == english
    with translation.override("zh-hans"):
        assert dates.in_words(value) == chinese


@pytest.mark.parametrize(
    ("born", "died", "english", "chinese"),
    [
        ("1893", "1976", "1893–1976", "1893—1976年"),
        (
            "1894-04-15",
            "1971-09-11",
            "15 April 1894–11 September 1971",
            "1894年4月15日—1971年9月11日",
        ),
        ("1930~", "", "c. 1930–", "约1930年—"),
        ("", "1971", "?–1971", "？—1971年"),
        ("", "", "", ""),
    ],
)
def test_life_dates_read_as_one_span_in_either_language(born, died, english, chinese):
    with translation.override("en"):
        assert dates.life_in_words(born, died) == english
    with translation.override("zh-hans"):
        assert dates.life_in_words(born, died) == chinese


def test_a_date_that_is_not_edtf_is_shown_as_written_in_either_language():
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert dates.in_words("Sept. 1954") == "Sept. 1954"


def test_counts_are_grouped_by_thousands_and_days_written_the_chinese_way():
    template = Template('{{ count|floatformat:"g" }} · {{ day|date:_("j F Y") }}')
    context = Context({"count": 123456, "day": datetime.date(2024, 5, 1)})
    with translation.override("en"):
        assert template.render(context) == "123,456 · 1 May 2024"
    with translation.override("zh-hans"):
        assert template.render(context) == "123,456 · 2024年5月1日"


# --- every page type in Chinese -----------------------------------------------------------------

# Words of the English interface that no Chinese page may show (record content aside).
ENGLISH_WORDS = re.compile(
    r"\b(Publications?|People|Person|Events?|Journals?|Search|Filters?|Sort|Previous|Next|Page|"
    r"Downloads?|Permalink|Remove|Apply|Clear|Cited|Citations|Abstract|Year|Skip|Timeline|"
    r"Browse|Recently|Rankings?|Biography|Works|Undated|Published|Language|Type|Access|"
    r"January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
# Attributes whose text a reader hears or sees.
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class InterfaceText(HTMLParser):
    """The text of a page that is in the page's language: text and read attributes, except in
    scripts and styles and in elements marked as another language (record content, the switcher)."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.chunks: list[str] = []

    def language(self) -> str:
        return next((lang for _tag, lang in reversed(self.stack) if lang), "")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        lang = attributes.get("lang")
        if (lang or self.language()).lower().startswith("zh"):
            self.chunks += [value for name, value in attrs if name in READ_ATTRIBUTES and value]
            if tag == "input" and attributes.get("type") == "submit":
                self.chunks.append(attributes.get("value", ""))
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(tag in ("script", "style") for tag, _lang in self.stack):
            return
        text = " ".join(data.split())
        if text and self.language().lower().startswith("zh"):
            self.chunks.append(text)


def interface_text(html: str) -> list[str]:
    parser = InterfaceText()
    parser.feed(html)
    return parser.chunks


def english_interface_messages() -> list[re.Pattern]:
    """Each English message of the catalogue that has a Chinese translation of its own, as a
    pattern a whole text of the page would match (placeholders match anything)."""
    with (MESSAGES / "django.mo").open("rb") as catalogue:
        catalog = gettext.GNUTranslations(catalogue)._catalog
    patterns = []
    for key, chinese in catalog.items():
        english = key[0] if isinstance(key, tuple) else key
        english = english.rpartition("\x04")[2]  # without the message context
        if not english or english == chinese:
            continue
        parts = re.split(r"%(?:\([a-z_]+\))?[sd]", english)
        if not any(re.search(r"[A-Za-z]{3}", part) for part in parts):
            continue  # a pattern of placeholders and punctuation would match any text
        patterns.append(re.compile(".+?".join(map(re.escape, parts))))
    return patterns


@pytest.fixture
def archive_records():
    """Records of every kind, linked, with Chinese names and dates at every precision."""
    journal = make_journal(
        name="Cold War History", issn_print="1468-2745", publisher="Taylor & Francis"
    )
    add_journal_name(journal, "冷战史", kind="translation", language="zh-Hans")
    add_journal_metric(
        journal, year=2023, impact_factor=Decimal("0.4"), quartile="Q1", category="HISTORY"
    )
    add_journal_metric(
        journal, system=JournalMetric.System.CAS, zone=2, category="历史学", year=None
    )
    gu = make_person("谷继东", birth_date="1961", orcid="0000-0002-1825-0097")
    khrushchev = make_person("赫鲁晓夫", birth_date="1894-04-15", death_date="1971-09-11")
    mao = make_person("毛泽东", birth_date="1893", death_date="1976")
    add_person_name(mao, "Mao Zedong", language="en")
    visit = make_event("赫鲁晓夫访华", date="1954-09/1954-10", place="北京")
    add_event_title(visit, "Khrushchev's visit to China", language="en")
    talks = make_event("中苏会谈", date="1954~", parent=visit, place="北京")
    add_participant(visit, khrushchev, "访问者")
    add_participant(visit, mao, "东道主")
    article = make_publication(
        "苏联远东的中国工人",
        language="zh-Hans",
        journal=journal,
        authors=[gu],
        volume="22",
        issue="1",
        first_page="437",
        last_page="457",
        publication_date="2022-06",
        doi="10.1080/14682745.2022.2050698",
        abstract="1954年，赫鲁晓夫访华期间请求毛泽东派遣工人。",
        citation_count=3,
        citation_count_date=datetime.date(2024, 5, 1),
        is_open_access=True,
    )
    add_translated_title(article, "Chinese workers in the Soviet Far East", language="en")
    article.keywords.add(Keyword.objects.create(name="中苏关系"))
    add_subject(article, khrushchev, pages="437–440")
    add_event_publication(visit, article, pages="440")
    add_event_publication(talks, article)
    # Enough to be paged, over more than two decades (the year facet counts by decade).
    for number in range(30):
        add_author(
            make_publication(
                f"冷战文献之{number + 1}",
                language="zh-Hans",
                journal=journal,
                publication_date=str(1950 + number * 2),
            ),
            mao,
        )
    return {
        "journal": journal,
        "person": khrushchev,
        "event": visit,
        "publication": article,
    }


def chinese_pages(records) -> dict[str, str]:
    def chinese(url: str) -> str:
        return "/zh-hans" + url

    return {
        "home": "/zh-hans/",
        "search": "/zh-hans/search/?q=赫鲁晓夫",
        "search, nothing found": "/zh-hans/search/?q=notfound",
        "publication list": "/zh-hans/publications/",
        "publication list, filtered": f"/zh-hans/publications/?q=冷战&journal={records['journal'].slug}&year_min=1950&year_max=1990&sort=title",
        "publication list, page 2": "/zh-hans/publications/?page=2",
        "publication list, nothing found": "/zh-hans/publications/?q=notfound&open_access=false",
        "publication list, unreadable filter": "/zh-hans/publications/?year_min=abc",
        "person list": "/zh-hans/people/?role=figure&sort=-name",
        "event list": "/zh-hans/events/",
        "event list, nothing found": "/zh-hans/events/?q=notfound",
        "timeline": "/zh-hans/timeline/",
        "journal list": "/zh-hans/journals/?quartile=Q1",
        "publication": chinese(records["publication"].get_absolute_url()),
        "person": chinese(records["person"].get_absolute_url()),
        "event": chinese(records["event"].get_absolute_url()),
        "journal": chinese(records["journal"].get_absolute_url()),
    }


@pytest.mark.django_db
def test_every_page_type_under_zh_hans_shows_no_english_interface_text(client, archive_records):
    messages = english_interface_messages()
    assert len(messages) > 300
    for name, url in chinese_pages(archive_records).items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert '<html lang="zh-hans"' in html, name
        for text in interface_text(html):
            assert not ENGLISH_WORDS.search(text), f"{name}: {text!r}"
            leftover = [message.pattern for message in messages if message.fullmatch(text)]
            assert leftover == [], f"{name}: {text!r}"


@pytest.mark.django_db
def test_the_missing_page_is_in_chinese_too(client):
    response = client.get("/zh-hans/publications/no-such-record/")

    assert response.status_code == 404
    texts = interface_text(response.content.decode())
    assert "页面未找到" in texts
    assert not any(ENGLISH_WORDS.search(text) for text in texts)


@pytest.mark.django_db
def test_chinese_pages_read_dates_counts_and_plurals_the_chinese_way(client, archive_records):
    pages = chinese_pages(archive_records)

    def texts(name: str) -> str:
        return " | ".join(interface_text(client.get(pages[name]).content.decode()))

    person = texts("person")
    assert "1894年4月15日—1971年9月11日" in person
    event = texts("event")
    assert "1954年9月—1954年10月" in event
    assert "第 440 页" in event
    publication = texts("publication")
    assert "2022年6月" in publication
    assert "被引 3 次" in publication
    assert "（统计于2024年5月1日）" in publication
    assert "开放获取" in publication
    assert "期刊论文" in publication
    publication_list = texts("publication list")
    assert "31 篇文献" in publication_list
    assert "1950年代" in publication_list
    assert "下一页" in publication_list
    assert "下载全部 31 条记录，格式：" in publication_list
    assert "约1954年" in texts("timeline")
    journal = texts("journal")
    assert "记录于2024年6月30日" in journal
    assert "中科院分区" in journal
    assert "Q1 · 1 区" in journal


@pytest.mark.django_db
def test_the_same_pages_in_english_keep_their_english(client, archive_records):
    english = {
        name: url.removeprefix("/zh-hans") for name, url in chinese_pages(archive_records).items()
    }

    person = client.get(english["person"]).content.decode()
    publication_list = client.get(english["publication list"]).content.decode()

    assert "15 April 1894–11 September 1971" in person
    assert "31 publications" in publication_list
    assert "1950s" in publication_list
    assert '<html lang="en"' in publication_list
