"""Every page type, in English and in Chinese, checked by axe-core in a real browser (WCAG 2.2 AA
and axe's best practices: no serious or critical violations) and photographed for a person to
look at, under var/screenshots/."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import screenshot

BLOCKING_IMPACTS = {"serious", "critical"}

# Page type -> a function of the fixture archive's Site giving the page's path.
PAGE_TYPES = {
    "home": lambda site: "/",
    "search": lambda site: "/search/?q=khrushchev",
    "search-in-a-list": lambda site: "/publications/?q=khrushchev",
    "publication-list": lambda site: "/publications/",
    "person-list": lambda site: "/people/",
    "event-list": lambda site: "/events/",
    "journal-list": lambda site: "/journals/",
    "event-timeline": lambda site: "/timeline/",
    "filtered-list-no-results": lambda site: "/publications/?q=nothing-matches-this",
    "publication-detail": lambda site: site.seed_path,
    "person-detail": lambda site: site.person_path,
    "event-detail": lambda site: site.seed_event_path,
    "journal-detail": lambda site: site.seed_journal_path,
    "not-found": lambda site: "/publications/no-such-record/",
}
LANGUAGES = {"en": False, "zh-hans": True}


@pytest.fixture(scope="module")
def axe():
    return Axe()


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        lines.extend(f"  - {node['html'][:200]}" for node in violation["nodes"][:5])
    return "\n".join(lines)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_every_page_type_has_no_serious_accessibility_violations(
    page, archive_site, axe, page_type, language
):
    chinese = LANGUAGES[language]
    response = page.goto(archive_site(PAGE_TYPES[page_type](archive_site), chinese=chinese))
    assert response.status == (404 if page_type == "not-found" else 200)
    assert page.locator("html").get_attribute("lang") == language

    screenshot(page, f"{page_type}-{language}")
    results = axe.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert blocking == [], describe(blocking)


PHONE = {"width": 360, "height": 740}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_scrolls_sideways_on_a_phone(browser, archive_site, language):
    """WCAG 1.4.10 Reflow: at 360 CSS pixels wide, text, tables and charts fit the width."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    too_wide = {}
    for page_type, path in PAGE_TYPES.items():
        page.goto(archive_site(path(archive_site), chinese=LANGUAGES[language]))
        screenshot(page, f"{page_type}-{language}-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[page_type] = width
    context.close()
    assert too_wide == {}, f"pages wider than {PHONE['width']} px: {too_wide}"
