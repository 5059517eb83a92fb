"""The operators' dashboard in a real (headless) Chromium against the real stack.

Explicit waits only (WebDriverWait on a condition); no sleeps.
"""

import json
import re
import secrets
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ADMIN_KEY, BASE, READONLY_KEY, SHOTS

CANARY = '<img src=x onerror="window.__xss=1">'
CHECK = {"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 5}]}
VIEWS = ["overview", "customers", "keys", "policies", "audit", "metrics"]


# ---------------------------------------------------------------- helpers

def wait(driver, condition, timeout=15, message=""):
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)


def eventually(driver, condition, timeout=15, message=""):
    """Polls a non-browser condition (an API answer) with the same explicit wait."""
    return wait(driver, lambda _: condition(), timeout, message)


def css(driver, selector):
    return driver.find_element(By.CSS_SELECTOR, selector)


def csss(driver, selector):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def visible(driver, selector):
    return wait(driver, lambda d: next((e for e in csss(d, selector) if e.is_displayed()), False),
                message=f"{selector} never visible")


def view_ready(driver, view, timeout=20):
    def ready(d):
        state = d.execute_script("var m = document.getElementById('main'); return m ? [m.dataset.state, m.dataset.view] : null")
        if state == ["error", view]:
            raise AssertionError(f"view {view} failed: {main_state(driver)}")
        return state == ["ready", view]
    try:
        wait(driver, ready, timeout)
    except TimeoutException:
        raise AssertionError(f"view {view} never ready: {main_state(driver)}") from None


def main_state(driver):
    return driver.execute_script(
        "var m = document.getElementById('main'); return m ? [m.dataset.state, m.dataset.view, m.textContent.slice(0, 300)] : null")


def goto(driver, route):
    """Opens #/route (same document when only the hash changes) and waits until the view rendered."""
    url = f"{BASE}/dashboard/#/{route}"
    driver.execute_script("var m = document.getElementById('main'); if (m) m.dataset.state = 'stale';")
    if driver.current_url == url:
        driver.refresh()
    else:
        driver.get(url)
    view_ready(driver, route.split("?")[0].split("/")[0])


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def signed_out(driver, route=""):
    driver.get(f"{BASE}/dashboard/")
    driver.delete_all_cookies()
    driver.get("about:blank")  # a fresh document, not a same-document hash change
    driver.get(f"{BASE}/dashboard/" + (f"#/{route}" if route else ""))
    visible(driver, "#signin-key")


def sign_in(driver, key, route="overview"):
    """Signs in on #/route: the page shows that view once signed in."""
    signed_out(driver, route)
    field = css(driver, "#signin-key")
    field.send_keys(key)
    css(driver, "#signin-submit").click()
    view_ready(driver, route.split("?")[0].split("/")[0])


def storage_is_empty(driver):
    return driver.execute_script("return localStorage.length === 0 && sessionStorage.length === 0")


def tenant(prefix):
    return f"ui_{prefix}_{secrets.token_hex(4)}"


def onboard(api, prefix):
    made = api.ok("POST", "/api/v1/customers/onboard", {"tenant_id": tenant(prefix)})
    return made


def check(api, key, context=None):
    body = dict(CHECK)
    if context is not None:
        body["context"] = context
    return api.call("POST", "/v1/check", body, key=key)


def number(text):
    return int(re.sub(r"[^0-9]", "", text) or "0")


def stat_value(driver, name):
    return number(css(driver, f"[data-stat-value='{name}']").text)


def all_logs(api, query):
    ids, cursor = [], None
    while True:
        path = "/logs?" + query + (f"&cursor={cursor}" if cursor else "")
        page = api.ok("GET", path)
        ids += [r["id"] for r in page["logs"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


# ---------------------------------------------------------------- tests

def test_static_files_and_headers(driver):
    """The page itself: served with the CSP and friends, redirects, renders the sign-in form."""
    import urllib.request
    with urllib.request.urlopen(f"{BASE}/dashboard/", timeout=10) as response:
        headers = {k.lower(): v for k, v in response.getheaders()}
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
    with urllib.request.urlopen(f"{BASE}/dashboard/app.js", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/javascript")
    signed_out(driver)
    assert css(driver, "label[for='signin-key']").text == "Admin key"
    assert css(driver, "#signin-key").get_attribute("type") == "password"
    driver.get(f"{BASE}/dashboard")
    wait(driver, lambda d: d.current_url.startswith(f"{BASE}/dashboard/"))
    visible(driver, "#signin-key")
    shot(driver, "signin")


def test_wrong_key_refused_and_nothing_stored(driver, api):
    signed_out(driver)
    wrong = "sk_admin_" + secrets.token_hex(16)
    css(driver, "#signin-key").send_keys(wrong)
    css(driver, "#signin-submit").click()
    error = visible(driver, "#signin-error")
    assert "refused" in error.text
    assert css(driver, "#signin-key").get_attribute("value") == ""
    assert storage_is_empty(driver)
    assert driver.get_cookies() == [], driver.get_cookies()
    assert wrong not in driver.current_url and wrong not in driver.page_source
    assert css(driver, "#nav").is_displayed() is False
    # The right key: a session cookie the page cannot read; the key is kept nowhere.
    css(driver, "#signin-key").send_keys(ADMIN_KEY)
    css(driver, "#signin-submit").click()
    view_ready(driver, "overview")
    assert css(driver, "#signin-key").get_attribute("value") == ""
    cookies = {c["name"]: c for c in driver.get_cookies()}
    assert "cv_session" in cookies, cookies
    assert cookies["cv_session"]["httpOnly"] is True
    assert cookies["cv_session"]["sameSite"] == "Strict"
    assert driver.execute_script("return document.cookie") == ""
    assert storage_is_empty(driver)
    assert ADMIN_KEY not in driver.current_url and ADMIN_KEY not in driver.page_source
    # Sign-out revokes the session server-side.
    token = cookies["cv_session"]["value"]
    css(driver, "#sign-out").click()
    visible(driver, "#signin-key")
    status, _ = api.call("GET", "/admin/session", key="x", headers={"Cookie": f"cv_session={token}"})
    assert status == 401


def test_onboard_shows_key_once_and_delete_needs_typed_confirmation(driver, api):
    sign_in(driver, ADMIN_KEY, "customers")
    shot(driver, "customers")
    name = tenant("onb")
    css(driver, "#onboard-tenant").send_keys(name)
    css(driver, "#onboard-submit").click()
    secret_input = visible(driver, "#onboard-result input[data-secret]")
    secret = secret_input.get_attribute("value")
    assert secret.startswith(f"{name}_api_"), secret
    assert css(driver, "#onboard-result button.copy").is_displayed()
    shot(driver, "customers-onboarded")
    status, _ = api.call("GET", "/v1/logs?limit=1", key=secret)
    assert status == 200, "the key shown works"
    driver.refresh()
    view_ready(driver, "customers")
    assert secret not in driver.page_source
    assert csss(driver, "input[data-secret]") == []
    assert storage_is_empty(driver)
    # Search finds it; the detail view shows it.
    box = css(driver, "#customer-search")
    box.clear()
    box.send_keys(name)
    # The search re-renders the view: mark the current render stale so that view_ready waits for the next one.
    driver.execute_script("document.getElementById('main').dataset.state = 'stale';")
    box.send_keys(Keys.ENTER)
    wait(driver, lambda d: f"q={name}" in d.current_url)
    view_ready(driver, "customers")
    wait(driver, lambda d: [r.text for r in csss(d, "#customers-table tbody tr")] != [] and
         all(name in r.text for r in csss(d, "#customers-table tbody tr")), message="the search shows only the onboarded customer")
    rows = csss(driver, "#customers-table tbody tr")
    assert len(rows) == 1 and name in rows[0].text
    goto(driver, f"customers/{name}")
    shot(driver, "customer-detail")
    assert secret not in driver.page_source
    # Delete: the button stays disabled until the tenant id is typed.
    button = css(driver, "#delete-submit")
    assert not button.is_enabled()
    css(driver, "#delete-confirm").send_keys(name[:-1])
    assert not button.is_enabled()
    css(driver, "#delete-confirm").send_keys(name[-1])
    assert button.is_enabled()
    button.click()
    view_ready(driver, "customers")
    eventually(driver, lambda: api.call("GET", "/v1/logs?limit=1", key=secret)[0] == 401, 5, "deleted customer's key still works")


def test_issue_rotate_revoke_and_limit(driver, api):
    made = onboard(api, "keys")
    t = made["tenant_id"]
    sign_in(driver, ADMIN_KEY, f"keys?customer={t}")
    css(driver, "#issue-name").send_keys("ui-issued")
    css(driver, "#issue-submit").click()
    issued = visible(driver, "#keys-notice input[data-secret]").get_attribute("value")
    assert issued.startswith("sk_live_")
    assert css(driver, "#keys-notice button.copy").is_displayed()
    assert check(api, issued)[0] == 200
    keys = api.ok("GET", f"/admin/keys?customer_id={t}")["keys"]
    key_id = next(k["key_id"] for k in keys if k["name"] == "ui-issued")

    css(driver, "#keys-refresh").click()
    view_ready(driver, "keys")
    assert issued not in driver.page_source
    css(driver, f"[data-action='rotate'][data-key-id='{key_id}']").click()
    replacement = visible(driver, "#keys-notice input[data-secret]").get_attribute("value")
    assert replacement.startswith("sk_live_") and replacement != issued
    grace_shown = css(driver, "#keys-notice .grace").get_attribute("data-grace-until")
    old = next(k for k in api.ok("GET", f"/admin/keys?customer_id={t}")["keys"] if k["key_id"] == key_id)
    assert grace_shown and grace_shown == (old.get("grace_until") or old.get("expires_at")), (grace_shown, old)
    assert check(api, issued)[0] == 200, "the old key works during its grace period"
    assert check(api, replacement)[0] == 200
    shot(driver, "keys-rotated")

    css(driver, "#keys-refresh").click()
    view_ready(driver, "keys")
    new_id = next(k["key_id"] for k in api.ok("GET", f"/admin/keys?customer_id={t}")["keys"]
                  if k["name"] == "ui-issued" and k["key_id"] != key_id)
    css(driver, f"[data-action='revoke'][data-key-id='{new_id}']").click()
    visible(driver, "[data-confirm]").click()
    wait(driver, lambda d: "revoked" in css(d, "#keys-notice").text)
    revoked_at = time.monotonic()
    eventually(driver, lambda: check(api, replacement)[0] == 401, 1.0, "the revoked key was not refused within 1 s")
    assert time.monotonic() - revoked_at <= 1.0

    # Set the first key's limit.
    first_id = next(k["key_id"] for k in api.ok("GET", f"/admin/keys?customer_id={t}")["keys"] if k["name"] != "ui-issued")
    css(driver, f"[data-action='limit'][data-key-id='{first_id}']").click()
    limit = visible(driver, f"#limit-{first_id}")
    limit.clear()
    limit.send_keys("7")
    limit.send_keys(Keys.ENTER)
    view_ready(driver, "keys")
    wait(driver, lambda d: "7 / 60 s" in css(d, f"tr[data-key-id='{first_id}']").text)
    first = next(k for k in api.ok("GET", f"/admin/keys?customer_id={t}")["keys"] if k["key_id"] == first_id)
    assert first["rate_limit"] == {"limit": 7, "period_seconds": 60}, first

    # The server's sort orders are the page's orders.
    for sort in ("last_used", "expires"):
        goto(driver, f"keys?customer={t}&sort={sort}")
        shown = [r.get_attribute("data-key-id") for r in csss(driver, "#keys-table tbody tr")]
        expected = [k["key_id"] for k in api.ok("GET", f"/admin/keys?customer_id={t}&sort={sort}")["keys"]]
        assert shown == expected, sort
    shot(driver, "keys")


def test_policy_editor_inline_400_and_version_bump(driver, api):
    made = onboard(api, "pol")
    t = made["tenant_id"]
    sign_in(driver, ADMIN_KEY, f"policies/new?customer={t}")
    css(driver, "#policy-name").send_keys("UI policy")
    css(driver, "#rule-max_tokens").send_keys("1000")
    css(driver, "#rule-allowed_models").send_keys("gpt-4, claude-3")
    css(driver, "#policy-save").click()
    wait(driver, lambda d: d.execute_script(
        "var v = document.getElementById('policy-version'); return v && v.dataset.version === '1' && "
        "document.getElementById('main').dataset.state === 'ready'"))
    policy_id = re.search(r"#/policies/([^/?]+)", driver.current_url).group(1)
    assert api.ok("GET", f"/policies/{policy_id}")["rules"]["allowed_models"] == ["gpt-4", "claude-3"]

    threshold = css(driver, "#rule-block_threshold")
    threshold.send_keys("150")
    css(driver, "#policy-save").click()
    error = visible(driver, "[data-field='rules.block_threshold'] .field-error")
    assert "block_threshold" in error.text, error.text
    assert threshold.get_attribute("aria-invalid") == "true"
    assert api.ok("GET", f"/policies/{policy_id}")["version"] == 1, "a refused save makes no version"
    shot(driver, "policy-editor-400")

    threshold.clear()
    threshold.send_keys("40")
    css(driver, "#policy-save").click()
    wait(driver, lambda d: d.execute_script(
        "var v = document.getElementById('policy-version'); return v && v.dataset.version === '2' && "
        "document.getElementById('main').dataset.state === 'ready'"))
    saved = api.ok("GET", f"/policies/{policy_id}")
    assert saved["version"] == 2 and saved["rules"]["block_threshold"] == 40, saved
    history = [r.get_attribute("data-version") for r in csss(driver, "#policy-history tbody tr")]
    assert history == ["2", "1"], history
    css(driver, "#tab-json").click()
    raw = json.loads(visible(driver, "#policy-raw").get_attribute("value"))
    assert raw["rules"]["block_threshold"] == 40 and raw["rules"]["max_tokens"] == 1000
    shot(driver, "policy-editor")
    goto(driver, f"policies?customer={t}")
    shot(driver, "policies")
    assert "UI policy" in css(driver, "#policies-table").text


def test_a_form_save_keeps_per_model_rules_the_form_has_no_field_for(driver, api):
    made = onboard(api, "pmod")
    models = {"gpt-4*": {"max_tokens": 2000}, "*": {"max_tokens": 8000}}
    policy = api.ok("POST", "/policies", {"customer_id": made["customer_id"], "name": "per model", "rules": {"models": models}})
    sign_in(driver, ADMIN_KEY, f"policies/{policy['id']}")
    note = visible(driver, "#rules-carried")
    assert "models" in note.text, note.text
    css(driver, "#rule-max_tokens").send_keys("9000")
    css(driver, "#rule-denied_models").send_keys("*-preview, gpt-3*")
    css(driver, "#policy-save").click()
    wait(driver, lambda d: d.execute_script(
        "var v = document.getElementById('policy-version'); return v && v.dataset.version === '2' && "
        "document.getElementById('main').dataset.state === 'ready'"))
    rules = api.ok("GET", f"/policies/{policy['id']}")["rules"]
    assert rules["models"] == models, rules
    assert rules["denied_models"] == ["*-preview", "gpt-3*"] and rules["max_tokens"] == 9000, rules


def test_preview_says_what_a_draft_would_have_blocked(driver, api):
    made = onboard(api, "prev")
    policy = api.ok("POST", "/policies", {"customer_id": made["customer_id"], "name": "org",
                                          "rules": {"allowed_models": ["gpt-4", "claude-3"], "max_tokens": 10000}})
    key = made["api_key"]
    for _ in range(3):
        assert check(api, key)[0] == 200
    # The checks must be in the audit trail before a replay can see them.
    eventually(driver, lambda: len(all_logs(api, f"customer_id={made['customer_id']}&kind=check")) == 3, message="checks flushed")
    sign_in(driver, ADMIN_KEY, f"policies/{policy['id']}")
    css(driver, "#rule-denied_models").send_keys("gpt-4*")
    css(driver, "#policy-preview").click()
    result = visible(driver, "#policy-preview-result")
    wait(driver, lambda d: result.get_attribute("data-replayed") == "3", message=result.text)
    assert result.get_attribute("data-newly-blocked") == "3", result.text
    assert "denied_models" in result.text, result.text
    assert api.ok("GET", f"/policies/{policy['id']}")["version"] == 1, "a preview saves nothing"
    shot(driver, "policy-preview")
    # A draft the server refuses is shown next to its field, as a save would be.
    css(driver, "#rule-block_threshold").send_keys("150")
    css(driver, "#policy-preview").click()
    error = visible(driver, "[data-field='rules.block_threshold'] .field-error")
    assert "block_threshold" in error.text, error.text


def test_audit_pages_to_the_end_with_the_apis_ids(driver, api):
    made = onboard(api, "aud")
    key, customer = made["api_key"], made["customer_id"]
    for i in range(23):
        assert check(api, key, {"user_id": f"user_{i}"})[0] == 200
    query = f"customer_id={customer}&kind=check&limit=5"
    eventually(driver, lambda: len(all_logs(api, query)) == 23, 15, "audit records never arrived")
    expected = all_logs(api, query)
    sign_in(driver, ADMIN_KEY, f"audit?customer_id={customer}&kind=check&limit=5")
    assert css(driver, "#audit-customer_id").get_attribute("value") == customer
    pages = 1
    while css(driver, "#audit-table").get_attribute("data-end") != "true":
        before = len(csss(driver, "#audit-table tr.row"))
        css(driver, "#audit-more").click()
        wait(driver, lambda d: len(csss(d, "#audit-table tr.row")) > before or css(d, "#audit-table").get_attribute("data-end") == "true")
        pages += 1
    shown = [r.get_attribute("data-id") for r in csss(driver, "#audit-table tr.row")]
    assert shown == expected
    assert pages == 5
    assert "23 records loaded (end)" in css(driver, "#audit-count").text
    # A row expands in place (no request per row).
    css(driver, "#audit-table tr.row button.expand").click()
    detail = visible(driver, "#audit-table tr.detail td .record")
    assert "Reasons" in detail.text and "external_model" in detail.text
    shot(driver, "audit")
    # The filters are in the URL: a reload shows the same first page.
    driver.refresh()
    view_ready(driver, "audit")
    assert [r.get_attribute("data-id") for r in csss(driver, "#audit-table tr.row")] == expected[:5]
    # Export: the loaded rows, as JSON and CSV files.
    downloads = SHOTS / f"downloads-{secrets.token_hex(4)}"
    downloads.mkdir(parents=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    css(driver, "#audit-export-json").click()
    css(driver, "#audit-export-csv").click()
    eventually(driver, lambda: (downloads / "audit.json").exists() and (downloads / "audit.csv").exists(), 10, "no export written")
    eventually(driver, lambda: not list(downloads.glob("*.crdownload")), 10)
    assert [r["id"] for r in json.loads((downloads / "audit.json").read_text())] == expected[:5]
    csv_lines = (downloads / "audit.csv").read_text().splitlines()
    assert csv_lines[0].startswith("id,created_at,kind,decision") and [line.split(",")[0] for line in csv_lines[1:]] == expected[:5]


def test_xss_canary_renders_as_text(driver, api):
    made = onboard(api, "xss")
    key, customer, t = made["api_key"], made["customer_id"], made["tenant_id"]
    assert check(api, key, {"user_id": CANARY})[0] == 200
    policy = api.ok("POST", "/policies", {"customer_id": customer, "name": CANARY, "rules": {"max_tokens": 100}})
    eventually(driver, lambda: len(api.ok("GET", f"/logs?customer_id={customer}&kind=check")["logs"]) == 1, 15)
    sign_in(driver, ADMIN_KEY, "customers")
    for route in (f"audit?customer_id={customer}&kind=check", f"customers/{t}", f"policies?customer={t}", f"policies/{policy['id']}"):
        goto(driver, route)
        if route.startswith("audit"):
            css(driver, "#audit-table tr.row button.expand").click()
            visible(driver, "#audit-table tr.detail .record")
            assert css(driver, "#audit-table tr.row td.user").text == CANARY
        assert CANARY in css(driver, "main").text, route
        assert csss(driver, "main img") == [], route
        assert driver.execute_script("return window.__xss === undefined"), route
    assert css(driver, "#policy-title").text == CANARY
    assert css(driver, "#policy-name").get_attribute("value") == CANARY


def test_counters_rise_by_n_and_the_chart_has_the_bars(driver, api):
    made = onboard(api, "cnt")
    key = made["api_key"]
    n = 7
    sign_in(driver, ADMIN_KEY)
    goto(driver, "overview")
    before = stat_value(driver, "checks_total")
    goto(driver, "metrics")
    day_before = stat_value(driver, "day_checks")
    for _ in range(n):
        assert check(api, key)[0] == 200
    goto(driver, "overview")
    assert stat_value(driver, "checks_total") == before + n
    shot(driver, "overview")

    def metrics_caught_up():
        goto(driver, "metrics")
        return stat_value(driver, "day_checks") == day_before + n
    eventually(driver, metrics_caught_up, 15, "the usage rollups never counted the checks")
    shot(driver, "metrics")
    for chart, bucket, count in (("chart-5m", "5m", 288), ("chart-1h", "1h", 720)):
        figure = css(driver, f"#{chart}")
        since, until = figure.get_attribute("data-since"), figure.get_attribute("data-until")
        usage = api.ok("GET", f"/admin/usage?since={since}&until={until}&bucket={bucket}")
        bars = csss(driver, f"#{chart} g.bar")
        assert len(bars) == len(usage["series"]), chart
        assert abs(len(bars) - count) <= 1, (chart, len(bars))
        shown = [(b.get_attribute("data-start"), int(b.get_attribute("data-total"))) for b in bars]
        expected = [(p["start"], p["allowed"] + p["blocked"] + p["rate_limited"]) for p in usage["series"]]
        assert shown == expected, chart
    assert sum(int(b.get_attribute("data-total")) for b in csss(driver, "#chart-5m g.bar")) >= n


def test_no_view_makes_more_than_five_calls(driver, api):
    made = onboard(api, "calls")
    policy = api.ok("POST", "/policies", {"customer_id": made["customer_id"], "name": "calls", "rules": {"max_tokens": 5}})
    sign_in(driver, ADMIN_KEY)
    for route in VIEWS + [f"customers/{made['tenant_id']}", f"policies/{policy['id']}"]:
        driver.get(f"{BASE}/dashboard/#/{route}")
        driver.refresh()  # a fresh document: its resource timings are this view's
        view_ready(driver, route.split("/")[0])
        calls = driver.execute_script(
            "return performance.getEntriesByType('resource').filter(e => e.initiatorType === 'fetch')"
            ".map(e => new URL(e.name).pathname)")
        view_calls = [c for c in calls if c != "/admin/session"]
        assert len(view_calls) <= 5, (route, view_calls)


def test_read_only_key_sees_every_view_and_no_mutation(driver, api):
    made = onboard(api, "ro")
    t = made["tenant_id"]
    policy = api.ok("POST", "/policies", {"customer_id": made["customer_id"], "name": "ro", "rules": {"max_tokens": 5}})
    sign_in(driver, READONLY_KEY)
    assert css(driver, "#who-ro").is_displayed()
    names = {f"customers/{t}": "customer-detail", f"keys?customer={t}": "keys-of-customer", f"policies/{policy['id']}": "policy-editor"}
    for route in VIEWS + list(names):
        goto(driver, route)
        assert csss(driver, "[data-mutation]") == [], route
        assert csss(driver, "#onboard-form, #issue-form, [data-action], #policy-save, #delete-submit, #policy-new") == [], route
        if route.startswith("policies/"):
            assert all(not e.is_enabled() for e in csss(driver, "#policy-form-pane input, #policy-form-pane select"))
        shot(driver, names.get(route, route) + "-readonly")
    # The server refuses a change through the session too (the page never offers one).
    answer = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/admin/keys', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-Convergence-CSRF': '1'},
            body: JSON.stringify({customer_id: arguments[0], name: 'ro-attempt'})})
          .then(r => r.json().then(j => done([r.status, j.error && j.error.code])));
    """, t)
    assert answer == [403, "read_only_key"], answer
    assert all(k["name"] != "ro-attempt" for k in api.ok("GET", f"/admin/keys?customer_id={t}")["keys"])


def test_state_changes_need_the_csrf_header(driver, api):
    made = onboard(api, "csrf")
    sign_in(driver, ADMIN_KEY, "customers")
    answer = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/admin/keys', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json'},
              body: JSON.stringify({customer_id: arguments[0], name: 'no-csrf'})})
          .then(r => r.json().then(j => done([r.status, j.error && j.error.code])));
    """, made["tenant_id"])
    assert answer == [403, "csrf_header_required"], answer


def test_keyboard_only_from_sign_in_to_revoking_a_key(driver, api):
    made = onboard(api, "kbd")
    t = made["tenant_id"]
    issued = api.ok("POST", "/admin/keys", {"customer_id": t, "name": "kb-key"})
    secret = issued["key"]
    assert check(api, secret)[0] == 200
    signed_out(driver)
    keys = ActionChains(driver)

    def active():
        return driver.execute_script(
            "var a = document.activeElement; return a ? [a.id, a.getAttribute('aria-label'), a.dataset.view || '', "
            "a.hasAttribute('data-confirm'), getComputedStyle(a).outlineStyle] : null")

    def tab_to(predicate, limit=200):
        css(driver, "body")  # the document has focus
        for _ in range(limit):
            if predicate(active()):
                return
            ActionChains(driver).send_keys(Keys.TAB).perform()
        raise AssertionError(f"never reached by Tab; last: {active()}")

    driver.execute_script("document.activeElement && document.activeElement.blur()")
    tab_to(lambda a: a and a[0] == "signin-key")
    keys.send_keys(ADMIN_KEY).send_keys(Keys.ENTER).perform()
    view_ready(driver, "overview")
    tab_to(lambda a: a and a[2] == "keys")
    assert active()[4] != "none", "focus is visible"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    view_ready(driver, "keys")
    tab_to(lambda a: a and a[0] == "keys-customer")
    ActionChains(driver).send_keys(t).send_keys(Keys.ENTER).perform()
    wait(driver, lambda d: f"customer={t}" in d.current_url)
    view_ready(driver, "keys")
    tab_to(lambda a: a and a[1] == "Revoke key kb-key")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait(driver, lambda d: active()[3] is True, message="focus moves to the confirmation")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait(driver, lambda d: "revoked" in css(d, "#keys-notice").text)
    eventually(driver, lambda: check(api, secret)[0] == 401, 1.0, "the revoked key was not refused within 1 s")
