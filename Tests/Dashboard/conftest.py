"""Fixtures for the dashboard's browser tests (Debian's chromium + chromedriver + python3-selenium).

Environment (set by Tests/ConvergenceIntegrationTests/DashboardBrowserTests.swift):
  DASHBOARD_BASE_URL        http://127.0.0.1:PORT of the test stack's nginx
  DASHBOARD_ADMIN_KEY       an admin key
  DASHBOARD_READONLY_KEY    a read-only admin key (admin create-key --read-only)
  DASHBOARD_SCREENSHOT_DIR  where screenshots go (under var/)
Nothing is downloaded: Selenium runs offline with /usr/bin/chromedriver.
"""

import json
import os
import pathlib
import urllib.error
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver

import pytest  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BASE = os.environ.get("DASHBOARD_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
ADMIN_KEY = os.environ.get("DASHBOARD_ADMIN_KEY", "")
READONLY_KEY = os.environ.get("DASHBOARD_READONLY_KEY", "")
SHOTS = pathlib.Path(os.environ.get("DASHBOARD_SCREENSHOT_DIR", "var/dashboard-screenshots"))

# Records CSP violations and uncaught errors from the first script of every
# document on (injected through DevTools, so the page's CSP does not apply to it).
PROBE = """
window.__csp = [];
window.__errors = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
window.addEventListener('unhandledrejection', function (e) { window.__errors.push('unhandled: ' + String(e.reason)); });
"""


class Api:
    """The API as curl would use it, to set up data and to check what the UI did."""

    def __init__(self, base, key):
        self.base = base
        self.key = key

    def call(self, method, path, body=None, key=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {key or self.key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, text

    def ok(self, method, path, body=None, key=None):
        status, answer = self.call(method, path, body, key)
        assert 200 <= status < 300, f"{method} {path}: {status} {answer}"
        return answer


@pytest.fixture(scope="session")
def api():
    assert ADMIN_KEY, "DASHBOARD_ADMIN_KEY is not set"
    return Api(BASE, ADMIN_KEY)


@pytest.fixture(scope="session")
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    browser.set_page_load_timeout(30)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield browser
    browser.quit()


def api_path(url):
    rest = url[len(BASE):] if url.startswith(BASE) else url
    return rest.split("?")[0]


@pytest.fixture(autouse=True)
def no_console_errors(driver):
    """Every test ends with zero console errors and zero CSP violations.

    Chrome also logs every non-2xx fetch as a 'network' entry ("Failed to load
    resource: … 401"); answers the UI expects and handles (401 for the
    signed-out session probe and refused keys, 400/403 the tests provoke) are
    API paths with a 4xx status and are not errors of the page. Anything else —
    a script error, a CSP refusal, a static file that fails, a 5xx — fails.
    """
    driver.get_log("browser")  # drop what earlier tests left
    yield
    problems = []
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE" and "Content Security Policy" not in entry["message"]:
            continue
        message = entry["message"]
        if entry.get("source") == "network":
            url = message.split(" ")[0]
            path = api_path(url)
            if not path.startswith("/dashboard") and " status of 4" in message:
                continue
        problems.append(message)
    try:
        csp = driver.execute_script("return (window.__csp || []).slice()") or []
        errors = driver.execute_script("return (window.__errors || []).slice()") or []
    except Exception:  # noqa: BLE001 - the page may be mid-navigation
        csp, errors = [], []
    assert not problems, f"browser console errors: {problems}"
    assert not csp, f"CSP violations: {csp}"
    assert not errors, f"uncaught errors: {errors}"
