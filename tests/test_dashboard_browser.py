"""The dashboard in a real browser: headless Chromium (Debian's ``chromium``) driven by Selenium
through Debian's ``chromedriver``, against the app on a LiveServer (loopback, port 0).

A client makes requests while the journal page is open, and the page shows them without a
reload; a scenario added from the form fires and the page says so; the user search runs, and
shows a refused filter's error; the clock freezes, advances and goes back; the tenant resets
after a confirmation; a browser that opens the token address drives the control API, and one
without the token reads a page that says how to open the dashboard; a form's message goes when
the form changes; a 400px window scrolls no view sideways, every form control has a label, and
the keyboard reaches the content. ``test_screenshots_of_the_main_views`` takes the pictures of docs/dashboard.md
(``MOCKSCIM_WRITE_SCREENSHOTS=1`` writes them into docs/dashboard/).

One browser serves the module (about a second to start); each test has its own app and server,
waits at most :data:`WAIT` seconds for any one thing and :data:`TEST_SECONDS` in all. A failing
test's report carries a screenshot (a file and a data URL) and the browser's console.

Without Chromium the tests are skipped, unless ``CI`` (set by CI services) or
``MOCKSCIM_REQUIRE_BROWSER`` (set by ``.ci/run``, which installs the browser) is set: then a
missing browser fails them.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import requests
from conftest import ROOT, USERS

from mockscim import Clock, ControlSettings, Fixtures, LiveServer, Tenant, create_app

CHROMIUM = os.environ.get("MOCKSCIM_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MOCKSCIM_CHROMEDRIVER", "/usr/bin/chromedriver")
#: The flags this machine needs (no sandbox as root, no network beyond loopback).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--force-device-scale-factor=1",
    "--window-size=1280,900",
)
#: Seconds to wait for one thing to show; seconds a whole test may take.
WAIT = 10
TEST_SECONDS = 60
SHOTS = ROOT / "docs" / "dashboard"
WRITE_SHOTS = "MOCKSCIM_WRITE_SCREENSHOTS"
UI = "/_mockscim/ui"
PLANT = "<script>alert(1)</script>"


def _missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            return f"{path} is not installed (Debian: apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


MISSING = _missing()
REQUIRED = bool(os.environ.get("CI") or os.environ.get("MOCKSCIM_REQUIRE_BROWSER"))
if MISSING and not REQUIRED:
    pytest.skip(MISSING, allow_module_level=True)

# Imported after the check: without the browser, the module is skipped above.
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

Driver = webdriver.Chrome


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    if MISSING:
        pytest.fail(f"the browser tests must run here (CI), and cannot: {MISSING}")
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look online
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(CHROMEDRIVER, log_output=subprocess.DEVNULL)
    browser = webdriver.Chrome(options=options, service=service)
    browser.set_page_load_timeout(WAIT)
    browser.set_script_timeout(WAIT)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def browser(driver: Driver, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Driver]:
    """The module's browser for one test: no cookies, a wide window, a bounded run, and a
    screenshot in the report if the test fails."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.get("about:blank")

    def sections() -> list[tuple[str, str]]:
        shot = tmp_path / "failure.png"
        try:
            driver.save_screenshot(str(shot))
            picture = base64.b64encode(shot.read_bytes()).decode()
            console = "\n".join(str(line) for line in driver.get_log("browser"))
        except Exception as exc:  # the browser itself is what failed
            return [("dashboard screenshot", f"no screenshot: {exc!r}")]
        return [
            (
                "dashboard screenshot",
                f"{driver.current_url}\nsaved to {shot}\ndata:image/png;base64,{picture}",
            ),
            ("browser console", console or "(empty)"),
        ]

    request.node.failure_sections = sections

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"the browser test took over {TEST_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_SECONDS)
    try:
        yield driver
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    # The page's script raised nothing (a 400 the control API answered is logged as "network").
    thrown = [e["message"] for e in driver.get_log("browser") if e.get("source") == "javascript"]
    assert thrown == [], thrown


class Sandbox:
    """An app on a live server, and a client of its emulated API."""

    def __init__(self, tenant: Tenant, *others: Tenant, **control: Any) -> None:
        self.tenant = tenant
        app = create_app(tenant, *others, control_settings=ControlSettings(**control))
        self.server = LiveServer(app).start()
        self.url = self.server.url
        self.session = requests.Session()
        reply = self.session.post(
            self.url + "/SAAS/auth/oauthtoken",
            params={"grant_type": "client_credentials"},
            auth=("mockscim", "mockscim-secret"),
            timeout=WAIT,
        )
        self.session.headers["Authorization"] = "Bearer " + reply.json()["access_token"]

    def scim(self, method: str, path: str = "", **kw: Any) -> requests.Response:
        return self.session.request(method, self.url + USERS + path, timeout=WAIT, **kw)

    def uid(self, user_name: str) -> str:
        found = self.tenant.store.id_for_username(user_name)
        assert found is not None, user_name
        return found


@pytest.fixture
def sandbox(default_fixtures: Fixtures) -> Iterator[Sandbox]:
    running = Sandbox(Tenant(default_fixtures, strict=True))
    try:
        yield running
    finally:
        running.server.stop()


def wait(browser: Driver, what: Callable[[Driver], Any], message: str) -> Any:
    return WebDriverWait(browser, WAIT, poll_frequency=0.1).until(what, message)


def element(browser: Driver, css: str) -> WebElement:
    found: WebElement = wait(
        browser, expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)), css
    )
    return found


def text_of(browser: Driver, css: str) -> str:
    """The text of ``css`` as shown, read in one step (a live region may be replaced between a
    lookup and a read); "" when nothing matches."""
    found = browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css
    )
    return str(found)


def entry_summaries(browser: Driver) -> list[str]:
    return [
        str(e.text)
        for e in browser.find_elements(By.CSS_SELECTOR, "#journal-entries > li > details > summary")
    ]


# -- the journal, live -----------------------------------------------------------------------------


def test_the_journal_shows_a_clients_requests_live(browser: Driver, sandbox: Sandbox) -> None:
    browser.get(sandbox.url + UI + "/journal")
    shown = len(entry_summaries(browser))  # the token request of the set-up
    uid = sandbox.uid("jdoe")
    sandbox.scim("GET", params={"filter": 'userName eq "jdoe"'})
    sandbox.scim("PATCH", f"/{uid}", json={"title": "Seen live", "password": "Zq7!live-Passw0rd"})
    sandbox.scim("GET", params={"filter": 'userName ne "x"'})
    wait(browser, lambda b: len(entry_summaries(b)) == shown + 3, "three new entries, no reload")
    newest, patch, search = entry_summaries(browser)[:3]
    assert newest.startswith("#") and "GET" in newest and "400" in newest and "1 finding" in newest
    assert "PATCH" in patch and f"/Users/{uid}" in patch and "204" in patch
    assert 'userName eq "jdoe"' in search and "200" in search
    # Open the PATCH with the keyboard: its request, masked as the journal masks it.
    summary = browser.find_elements(By.CSS_SELECTOR, "#journal-entries > li > details > summary")[1]
    browser.execute_script("arguments[0].focus()", summary)
    summary.send_keys(Keys.ENTER)
    body = element(browser, "#journal-entries > li:nth-child(2) pre[aria-label='Request body']")
    assert '"title": "Seen live"' in body.text
    assert '"password": "***"' in body.text
    assert "Zq7!live-Passw0rd" not in browser.page_source
    # The filter narrows the live list too.
    Select(browser.find_element(By.ID, "f-method")).select_by_visible_text("PATCH")
    browser.find_element(By.ID, "f-status").send_keys("2xx" + Keys.ENTER)
    wait(browser, lambda b: "method=PATCH" in b.current_url, "the filtered page")
    assert len(entry_summaries(browser)) == 1
    sandbox.scim("PATCH", f"/{uid}", json={"title": "Again"})
    sandbox.scim("GET")
    wait(browser, lambda b: len(entry_summaries(b)) == 2, "the new PATCH, not the GET")
    assert "PATCH" in entry_summaries(browser)[0]


# -- scenarios -----------------------------------------------------------------------------------


def fill_scenario(browser: Driver, kind: str, **fields: str) -> None:
    Select(browser.find_element(By.ID, "s-kind")).select_by_visible_text(kind)
    for name, value in fields.items():
        control = browser.find_element(By.CSS_SELECTOR, f"#scenario-form [name='{name}']")
        if control.tag_name == "select":
            Select(control).select_by_visible_text(value)
        else:
            control.clear()
            control.send_keys(value)
    browser.find_element(By.CSS_SELECTOR, "#scenario-form button[type=submit]").click()


def test_a_scenario_added_from_the_form_fires(browser: Driver, sandbox: Sandbox) -> None:
    browser.get(sandbox.url + UI + "/scenarios")
    # Invalid first: the control API's message shows in the page, nothing is added.
    fill_scenario(browser, "latency", path="/Users")
    error = element(browser, "#scenario-error")
    assert "latency needs 'ms', or 'min_ms' and 'max_ms'" in error.text
    assert "scenario.invalid" in error.text
    fill_scenario(browser, "error", times="twice")
    wait(browser, lambda b: "'times' must be an integer >= 1" in text_of(b, "#scenario-error"), "")
    assert sandbox.tenant.scenarios.all() == []
    fill_scenario(browser, "error", method="PATCH", path="/Users/*", status="503", times="1")
    wait(browser, lambda b: "Added scenario s1 (error)." in text_of(b, "#scenario-message"), "")
    assert not browser.find_element(By.ID, "scenario-error").is_displayed()
    row = element(browser, "tr[data-scenario='s1']")
    assert "never fired" in row.text
    # The client walks into it; the page sees the hit without a reload.
    reply = sandbox.scim("PATCH", f"/{sandbox.uid('jdoe')}", json={"title": "x"})
    assert reply.status_code == 503
    wait(browser, lambda b: "never fired" not in text_of(b, "tr[data-scenario='s1']"), "a hit")
    assert text_of(browser, "tr[data-scenario='s1'] .hits").startswith("1")
    browser.get(sandbox.url + UI + "/journal")
    answered = element(browser, "#journal-entries > li.answered summary")
    assert "scenario s1 (error)" in answered.text and "503" in answered.text
    # Every kind can be added; one removed, then all.
    fill_kinds = {
        "non_local": {"user": "jdoe"},
        "missing": {"user": "jdoe", "after": "1"},
        "latency": {"ms": "1", "path": "/Groups"},
        "fault": {"fault": "throttle", "retry_after": "5", "path": "/Roles"},
        "token_expiry": {"after_seconds": "3600"},
    }
    browser.get(sandbox.url + UI + "/scenarios")
    for kind, fields in fill_kinds.items():
        fill_scenario(browser, kind, **fields)
        wait(browser, lambda b, k=kind: f"({k})." in text_of(b, "#scenario-message"), kind)
    assert [s["kind"] for s in sandbox.tenant.scenarios.all()] == ["error", *fill_kinds]
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "tr[data-scenario]")) == 6, "")
    browser.find_element(By.CSS_SELECTOR, "button[data-remove='s2']").click()
    wait(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, "tr[data-scenario='s2']"), "")
    browser.find_element(By.CSS_SELECTOR, "button[data-action='clear-scenarios']").click()
    wait(browser, lambda b: "No scenario is armed." in text_of(b, "#scenario-list"), "cleared")
    assert sandbox.tenant.scenarios.all() == []


# -- users -------------------------------------------------------------------------------------


def test_users_are_searched_and_html_in_their_data_stays_text(
    browser: Driver, sandbox: Sandbox
) -> None:
    created = sandbox.scim("POST", json={"userName": "planted", "displayName": PLANT})
    assert created.status_code == 201
    browser.get(sandbox.url + UI)
    box = element(browser, "#filter")
    box.send_keys('displayName co "script"' + Keys.ENTER)
    wait(browser, lambda b: "1 user for" in text_of(b, "table.users caption"), "one found")
    assert PLANT in text_of(browser, "table.users tbody")  # shown as text, not run
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.execute_script("return document.querySelectorAll('script').length") == 1
    link = browser.find_element(By.LINK_TEXT, "planted")
    browser.execute_script("arguments[0].focus()", link)
    link.send_keys(Keys.ENTER)
    wait(browser, lambda b: "/users/" in b.current_url, "the user's page")
    assert PLANT in text_of(browser, "#main pre.json")
    assert "POST" in text_of(browser, "#requests ~ ol.journal")
    # A filter the API refuses: its error beside the box, the box marked invalid.
    browser.get(sandbox.url + UI)
    element(browser, "#filter").send_keys('userName ne "x"' + Keys.ENTER)
    error = element(browser, "#filter-error")
    assert "The specified filter operation is invalid" in error.text
    assert "unsupported operator 'ne'" in error.text
    assert browser.find_element(By.ID, "filter").get_attribute("aria-invalid") == "true"


def test_the_tenant_switcher_goes_to_the_other_tenant(
    browser: Driver, default_fixtures: Fixtures
) -> None:
    acme = Tenant(default_fixtures, name="acme")
    sandbox = Sandbox(Tenant(default_fixtures), acme)
    try:
        browser.get(sandbox.url + UI + "/scenarios")
        browser.find_element(By.CSS_SELECTOR, "nav.tenants").find_element(
            By.LINK_TEXT, "acme"
        ).click()
        wait(browser, lambda b: b.current_url.endswith("/_mockscim/t/acme/ui/scenarios"), "")
        fill_scenario(browser, "non_local", user="jdoe")
        wait(browser, lambda b: "Added scenario s1" in text_of(b, "#scenario-message"), "")
        assert [s["kind"] for s in acme.scenarios.all()] == ["non_local"]
        assert sandbox.tenant.scenarios.all() == []
    finally:
        sandbox.server.stop()


# -- clock and reset ------------------------------------------------------------------------------


def test_the_clock_freezes_advances_goes_back_and_the_tenant_resets(
    browser: Driver, sandbox: Sandbox
) -> None:
    sandbox.scim("POST", json={"userName": "to.be.reset"})
    browser.get(sandbox.url + UI + "/clock")
    assert "Wall time." in text_of(browser, "#clock-mode")
    field = browser.find_element(By.ID, "c-now")
    field.clear()
    field.send_keys("next tuesday" + Keys.ENTER)
    error = element(browser, "#freeze-error")
    assert "'now' is not ISO 8601: 'next tuesday'" in error.text
    field.clear()
    field.send_keys("2030-01-01T00:00:00Z" + Keys.ENTER)
    wait(browser, lambda b: "Frozen at 2030-01-01T00:00:00.000Z" in text_of(b, "#clock-mode"), "")
    assert sandbox.tenant.clock.now() == datetime(2030, 1, 1, tzinfo=UTC)
    advance = browser.find_element(By.ID, "c-advance")
    advance.clear()
    advance.send_keys("-5" + Keys.ENTER)
    wait(browser, lambda b: "'advance' must be a number" in text_of(b, "#advance-error"), "")
    advance.clear()
    advance.send_keys("3600" + Keys.ENTER)
    wait(browser, lambda b: "2030-01-01T01:00:00.000Z" in text_of(b, "#clock-now"), "advanced")
    browser.find_element(By.CSS_SELECTOR, "button[data-action='wall-time']").click()
    wait(browser, lambda b: "Wall time." in text_of(b, "#clock-mode"), "wall time")
    assert sandbox.tenant.clock.frozen_at is None
    # Reset: nothing happens until confirmed.
    reset = browser.find_element(By.CSS_SELECTOR, "button[data-action='reset']")
    reset.click()
    wait(browser, expected_conditions.alert_is_present(), "a confirmation")
    assert "Reset tenant mockscim?" in browser.switch_to.alert.text
    browser.switch_to.alert.dismiss()
    assert sandbox.tenant.store.id_for_username("to.be.reset") is not None
    reset.click()
    wait(browser, expected_conditions.alert_is_present(), "a confirmation").accept()
    wait(browser, lambda b: "The tenant was reset." in text_of(b, "#reset-message"), "reset")
    assert sandbox.tenant.store.id_for_username("to.be.reset") is None
    assert sandbox.tenant.journal.entries() == []


# -- the control token ---------------------------------------------------------------------------


def test_the_token_address_opens_a_dashboard_that_drives_the_control_api(
    browser: Driver, default_fixtures: Fixtures
) -> None:
    sandbox = Sandbox(Tenant(default_fixtures), token="br0wser-t0ken")
    try:
        browser.get(sandbox.url + UI + "/scenarios")
        assert "control.forbidden" in browser.page_source
        browser.get(sandbox.url + UI + "?token=br0wser-t0ken")
        assert browser.current_url == sandbox.url + UI  # the token left the address
        browser.find_element(By.LINK_TEXT, "Scenarios").click()
        fill_scenario(browser, "non_local", user="jdoe")
        wait(browser, lambda b: "Added scenario s1" in text_of(b, "#scenario-message"), "")
        assert len(sandbox.tenant.scenarios.all()) == 1
    finally:
        sandbox.server.stop()


def test_a_browser_without_the_token_reads_how_to_open_the_dashboard(
    browser: Driver, default_fixtures: Fixtures
) -> None:
    sandbox = Sandbox(Tenant(default_fixtures), token="br0wser-t0ken")
    try:
        browser.get(sandbox.url + UI + "/journal")
        heading = element(browser, "h1")
        assert heading.text == "This dashboard needs the control token"
        address = sandbox.url + UI + "?token=TOKEN"
        assert text_of(browser, "#open-address") == address
        shown = text_of(browser, "body")
        assert "X-Mockscim-Control-Token: TOKEN" in shown
        assert '{"errors"' not in browser.page_source and "br0wser-t0ken" not in shown
        browser.get(sandbox.url + UI + "?token=wr0ng")
        assert "is not this sandbox's control token" in text_of(browser, "#wrong-token")
        # What the page says works; the browser's /favicon.ico is answered, and no client's.
        browser.get(address.replace("TOKEN", "br0wser-t0ken"))
        element(browser, "table.users")
        browser.get(sandbox.url + "/favicon.ico")
        assert [e.path for e in sandbox.tenant.journal.entries()] == ["/SAAS/auth/oauthtoken"]
    finally:
        sandbox.server.stop()


# -- form messages ---------------------------------------------------------------------------------


def hidden(browser: Driver, css: str) -> bool:
    return bool(
        browser.execute_script(
            "const e = document.querySelector(arguments[0]);"
            "return !e || e.hidden || e.innerText.trim() === '';",
            css,
        )
    )


def test_a_forms_message_goes_when_the_form_changes(browser: Driver, sandbox: Sandbox) -> None:
    browser.get(sandbox.url + UI + "/scenarios")
    fill_scenario(browser, "latency", path="/Users")
    wait(browser, lambda b: "latency needs 'ms'" in text_of(b, "#scenario-error"), "an error")
    browser.find_element(By.CSS_SELECTOR, "#scenario-form [name='ms']").send_keys("5")
    wait(browser, lambda b: hidden(b, "#scenario-error"), "the error goes as a field changes")
    browser.find_element(By.CSS_SELECTOR, "#scenario-form button[type=submit]").click()
    wait(browser, lambda b: "Added scenario s1" in text_of(b, "#scenario-message"), "added")
    assert Select(browser.find_element(By.ID, "s-kind")).first_selected_option.text == "non_local"
    Select(browser.find_element(By.ID, "s-kind")).select_by_visible_text("missing")
    wait(browser, lambda b: hidden(b, "#scenario-message"), "the message goes as the kind changes")
    # The clock: a message shared by two forms goes when either changes.
    browser.get(sandbox.url + UI + "/clock")
    field = browser.find_element(By.ID, "c-now")
    field.clear()
    field.send_keys("soon" + Keys.ENTER)
    wait(browser, lambda b: "is not ISO 8601" in text_of(b, "#freeze-error"), "an error")
    field.send_keys(Keys.BACKSPACE)
    wait(browser, lambda b: hidden(b, "#freeze-error"), "the error goes")
    field.clear()
    field.send_keys("2030-01-01T00:00:00Z" + Keys.ENTER)
    wait(browser, lambda b: "The clock reads" in text_of(b, "#clock-message"), "frozen")
    browser.find_element(By.ID, "c-advance").send_keys("0")
    wait(browser, lambda b: hidden(b, "#clock-message"), "the clock's message goes")
    # The user search: the server's error beside the box goes as the filter is edited.
    browser.get(sandbox.url + UI)
    element(browser, "#filter").send_keys('userName ne "x"' + Keys.ENTER)
    element(browser, "#filter-error")
    browser.find_element(By.ID, "filter").send_keys(Keys.BACKSPACE)
    wait(browser, lambda b: hidden(b, "#filter-error"), "the filter's error goes")
    assert browser.find_element(By.ID, "filter").get_attribute("aria-invalid") is None


# -- narrow windows, labels, keyboard ------------------------------------------------------------

VIEWS = ("", "/users/{uid}", "/groups", "/journal", "/scenarios", "/clock")
UNLABELLED = """
return Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(e => e.type !== 'hidden')
  .filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label')
                 || (e.tagName === 'BUTTON' && e.textContent.trim())))
  .map(e => e.outerHTML);
"""


def test_a_400px_window_scrolls_no_view_sideways_and_every_control_is_labelled(
    browser: Driver, sandbox: Sandbox
) -> None:
    uid = sandbox.uid("jdoe")
    sandbox.scim("PATCH", f"/{uid}", json={"title": "A title long enough to wrap " * 4})
    sandbox.tenant.scenarios.error("DELETE", "/Users/*", status=500)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 400, "height": 800, "deviceScaleFactor": 1, "mobile": False},
    )
    for view in VIEWS:
        browser.get(sandbox.url + UI + view.format(uid=uid))
        element(browser, "h1")
        for summary in browser.find_elements(By.CSS_SELECTOR, "#journal-entries summary")[:2]:
            summary.click()  # an open entry must fit too
        width = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert 380 <= width[1] <= 400, view  # 400 less a vertical scroll bar
        assert width[0] <= width[1], f"{view or '/'} scrolls sideways: {width}"
        assert browser.execute_script(UNLABELLED) == [], view
    # The keyboard: the first Tab stop skips to the content.
    browser.get(sandbox.url + UI)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to content"
    skip.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"


# -- the pictures of docs/dashboard.md -----------------------------------------------------------


def test_screenshots_of_the_main_views(
    browser: Driver, default_fixtures: Fixtures, tmp_path: Path
) -> None:
    """What docs/dashboard.md shows, from a fixed tenant (seeded ids, a frozen clock);
    ``MOCKSCIM_WRITE_SCREENSHOTS=1`` writes them to docs/dashboard/."""
    tenant = Tenant(
        default_fixtures, strict=True, seed=16, clock=Clock(datetime(2030, 1, 1, tzinfo=UTC))
    )
    sandbox = Sandbox(tenant)
    try:
        uid = sandbox.uid("jdoe")
        tenant.scenarios.non_local("jdoe")
        tenant.scenarios.error("DELETE", "/Users/*", status=500, times=1)
        sandbox.scim("GET", params={"filter": 'userName eq "jdoe"'})
        sandbox.scim("PATCH", f"/{uid}", json={"title": "Engineer"})
        sandbox.scim("GET", params={"filter": 'userName ne "admin"'})
        sandbox.scim("POST", json={"userName": "new.hire", "displayName": "New Hire"})
        out = SHOTS if os.environ.get(WRITE_SHOTS) == "1" else tmp_path
        out.mkdir(parents=True, exist_ok=True)
        views = {
            "users": UI + "?filter=userName%20sw%20%22j%22",
            "user": f"{UI}/users/{uid}",
            "journal": UI + "/journal",
            "scenarios": UI + "/scenarios",
            "clock": UI + "/clock",
        }
        for name, path in views.items():
            browser.get(sandbox.url + path)
            element(browser, "h1")
            if name == "journal":
                element(browser, "#journal-entries > li:nth-child(2) summary").click()
            shot = out / f"{name}.png"
            assert browser.save_screenshot(str(shot)), name
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # The committed pictures are these views (docs/dashboard.md shows them).
        assert sorted(p.name for p in SHOTS.glob("*.png")) == sorted(f"{n}.png" for n in views)
    finally:
        sandbox.server.stop()
