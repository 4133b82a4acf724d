"""A historian's visit, in a real browser: search, filter, page, read, follow links, download, and
read it all again in Chinese; by mouse and by keyboard."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import FILTER_FROM_YEAR, FILTER_TYPE, PAGE_SIZE, parse_csv


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def assert_menu_in_chinese(page) -> None:
    menu = page.get_by_role("banner").get_by_role("navigation").first.inner_text()
    assert re.search(r"[\u4e00-\u9fff]", menu), menu
    assert "Publications" not in menu, menu


def type_select(page):
    return page.get_by_role("combobox", name="Type", exact=True)


def from_year(page):
    return page.get_by_role("spinbutton", name="From year", exact=True)


def test_a_historian_searches_filters_pages_reads_follows_links_and_downloads(page, archive_site):
    site = archive_site
    page.goto(site("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cold War Archive")

    # The one search box across everything: Chinese finds the first record by part of its
    # translated title; Latin script ignores case, and finds the people and events too.
    for words in ["苏联", "khrushchev"]:
        page.get_by_role("searchbox", name="Search the archive").fill(words)
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page).to_have_url(re.compile(r"/search/\?q="))
        assert query(page)["q"] == [words]
        found = page.get_by_role("region", name="1 publication")
        expect(found.get_by_role("link", name=site.seed_title)).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Nikita Khrushchev")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name=site.seed_event)).to_be_visible()

    # ... and hands the same search to the list of publications.
    page.get_by_role("link", name="The publication found, in the list of publications").click()
    expect(page).to_have_url(site("/publications/?q=khrushchev"))
    expect(page.get_by_role("status")).to_have_text("1 publication")
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("khrushchev")
    expect(page.get_by_role("link", name=site.seed_title)).to_be_visible()

    # Filter: the search cleared, journal articles from 1970 on: more than one page of them.
    page.get_by_role("searchbox", name="Search").fill("")
    type_select(page).select_option(FILTER_TYPE)
    from_year(page).fill(str(FILTER_FROM_YEAR))
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_have_text(f"{site.filtered_count} publications")
    assert query(page)["publication_type"] == [FILTER_TYPE]
    assert len(page.locator("main .record-list > li").all()) == PAGE_SIZE

    # Paginate: page 2 keeps the filters, in the address and in the form.
    pagination = page.get_by_role("navigation", name="Pagination")
    pagination.get_by_role("link", name="Next").click()
    assert query(page)["page"] == ["2"]
    assert query(page)["publication_type"] == [FILTER_TYPE]
    assert query(page)["year_min"] == [str(FILTER_FROM_YEAR)]
    expect(type_select(page)).to_have_value(FILTER_TYPE)
    expect(from_year(page)).to_have_value(str(FILTER_FROM_YEAR))
    current = page.get_by_role("navigation", name="Pagination").locator("[aria-current=page]")
    expect(current).to_have_text(re.compile(r"\b2$"))
    on_page_two = len(page.locator("main .record-list > li").all())
    assert on_page_two == site.filtered_count - PAGE_SIZE

    # Download the whole filtered list (both pages) as CSV.
    with page.expect_download() as download_info:
        page.get_by_role("navigation", name="Downloads").get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), "rb") as downloaded:
        rows = parse_csv(downloaded.read())
    assert len(rows) == site.filtered_count
    assert {"doi", "title", "authors", "publication_date", "journal"} <= set(rows[0])
    assert {row["publication_type"] for row in rows} == {FILTER_TYPE}
    assert site.seed_title in {row["title"] for row in rows}
    assert not set(site.draft_titles) & {row["title"] for row in rows}

    # Narrow by a journal, with the count the list offers next to it; then widen again.
    journals = page.get_by_role("list", name="Journal", exact=True)
    facet = journals.get_by_role("listitem").filter(has_text=site.journal)
    offered = int(facet.locator(".facet-count").inner_text())
    facet.get_by_role("link").click()
    expect(page.get_by_role("status")).to_have_text(
        f"{offered} publication" if offered == 1 else f"{offered} publications"
    )
    assert query(page)["publication_type"] == [FILTER_TYPE]
    assert query(page)["journal"] == [site.journal_slug]
    page.get_by_role("link", name=re.compile(r"^Remove Journal")).click()
    expect(page.get_by_role("status")).to_have_text(f"{site.filtered_count} publications")
    assert "journal" not in query(page)

    # Read the first record and follow its links to its author, journal and an event, and back.
    page.goto(site("/publications/?q=khrushchev"))
    page.get_by_role("link", name=site.seed_title).click()
    expect(page).to_have_url(site(site.seed_path))
    for name, path in [
        (site.seed_author, site.seed_author_path),
        (site.seed_journal, site.seed_journal_path),
        (site.seed_event, site.seed_event_path),
    ]:
        page.get_by_role("main").get_by_role("link", name=name, exact=True).click()
        expect(page).to_have_url(site(path))
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        # ... which links back to the publication.
        expect(page.get_by_role("link", name=site.seed_title)).to_be_visible()
        page.go_back()
        expect(page).to_have_url(site(site.seed_path))

    # Switch to Chinese: the same page under /zh-hans/.
    page.get_by_role("navigation", name="Language").get_by_role("link", name="简体中文").click()
    expect(page).to_have_url(site(site.seed_path, chinese=True))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert_menu_in_chinese(page)
    # The record itself stays in its own language.
    expect(page.get_by_role("heading", level=1)).to_contain_text(site.seed_title)
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "en")


def test_the_language_switcher_keeps_the_filters_and_page(page, archive_site):
    path = f"/publications/?publication_type={FILTER_TYPE}&year_min={FILTER_FROM_YEAR}&page=2"
    page.goto(archive_site(path))
    page.get_by_role("link", name="简体中文").click()
    expect(page).to_have_url(archive_site(path, chinese=True))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert_menu_in_chinese(page)
    expect(page.locator("[aria-current=page]").last).to_have_text(re.compile(r"\b2$"))
    # ... and back to English.
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(archive_site(path))
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_skip_link_is_the_first_stop_and_moves_on_to_the_main_content(page, archive_site):
    page.goto(archive_site("/publications/"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), (
        "after the skip link, the next Tab goes to the main content, past the site navigation"
    )


def tab_to(page, target, presses: int = 60) -> None:
    """Press Tab until `target` has the focus; fail if it never does."""
    for _ in range(presses):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()


def test_the_filters_can_be_filled_and_submitted_with_the_keyboard(page, archive_site):
    page.goto(archive_site("/publications/"))
    tab_to(page, page.get_by_role("searchbox", name="Search"))
    page.keyboard.type("khrushchev")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("1 publication")
    assert query(page)["q"] == ["khrushchev"]

    # A number field and a select reached with Tab, the form sent with the Apply button.
    page.goto(archive_site("/publications/"))
    tab_to(page, from_year(page))
    page.keyboard.type(str(FILTER_FROM_YEAR))
    tab_to(page, type_select(page))
    page.keyboard.press("ArrowDown")  # the first type after "Any type": journal articles
    expect(type_select(page)).to_have_value(FILTER_TYPE)
    tab_to(page, page.get_by_role("button", name="Apply"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(f"{archive_site.filtered_count} publications")
    assert query(page)["publication_type"] == [FILTER_TYPE]
    assert query(page)["year_min"] == [str(FILTER_FROM_YEAR)]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search/?q=khrushchev",
        "/timeline/",
        "/publications/?q=khrushchev",
        "/people/?q=khrushchev",
        "/events/?q=khrushchev",
        "/journals/?q=khrushchev",
    ],
)
def test_drafts_never_show(page, archive_site, path):
    """The drafts' names all contain "Khrushchev" and link to the records visited here."""
    page.goto(archive_site(path))
    text = page.get_by_role("main").inner_text()
    for title in archive_site.draft_titles:
        assert title not in text


def test_a_drafts_address_is_not_found(page, archive_site):
    for path in archive_site.draft_paths:
        response = page.goto(archive_site(path))
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_searching_filtering_and_paging_work_with_javascript_off(browser, archive_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(archive_site("/publications/"))
    type_select(page).select_option(FILTER_TYPE)
    from_year(page).fill(str(FILTER_FROM_YEAR))
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_have_text(f"{archive_site.filtered_count} publications")
    page.get_by_role("navigation", name="Pagination").get_by_role("link", name="Next").click()
    assert query(page)["page"] == ["2"]
    assert query(page)["publication_type"] == [FILTER_TYPE]
    context.close()
