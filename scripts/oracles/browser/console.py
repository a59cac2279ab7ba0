"""The console in a real browser (headless Chromium driven by Selenium) against a real
`patchpilot serve --demo`: sign in with the first admin's one-time password and change it, create a
user and a change, approve it as the other user, plan and start its rollout and watch it progress
live to its end on the demo's agents, export CSV, visit every page at 1440 and 400 px
wide (no horizontal page scroll at 400 px, the navigation folds behind a button) and collect the
browser's console: any error fails the run. Screenshots of every page go to SHOTS.

Usage: python3 console.py PATCHPILOT_BIN SHOTS_DIR
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BIN, SHOTS = sys.argv[1], sys.argv[2]
NEW_PASSWORD = "a long and new admin secret"
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"browser: FAIL {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    data = tempfile.mkdtemp(prefix="pp-browser-")
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w+")
    process = subprocess.Popen(
        [BIN, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}", "--demo", "--demo-agents", "24",
         "--demo-failure-rate", "0"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    password = None
    deadline = time.time() + 120
    while time.time() < deadline and password is None:
        time.sleep(0.5)
        log.seek(0)
        match = re.search(r"one-time password: (\S+)", log.read())
        if match:
            password = match.group(1)
    if password is None:
        process.kill()
        log.seek(0)
        sys.exit("browser: the server printed no one-time password:\n" + log.read()[-3000:])
    base = f"http://127.0.0.1:{port}"
    # Wait for the demo fleet: hosts with findings make the pages worth looking at.
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            log.seek(0)
            if "demo fleet enrolled" in log.read():
                break
        except OSError:
            pass
        time.sleep(1)
    return process, data, base, password


def browser():
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    return driver


def console_errors(driver, where, expected_status=None):
    """Fails on every console error, except the page's own status when it was asked for."""
    for entry in driver.get_log("browser"):
        message = entry.get("message", "")
        if entry.get("level") != "SEVERE":
            continue
        if expected_status and f"status of {expected_status}" in message and driver.current_url in message:
            continue
        check(False, f"{where}: console error: {message}")


def sign_in(driver, base, username, password):
    driver.get(base + "/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form.login button"))


def submit(driver, button):
    """Clicks a submit button and waits until the next page replaced this one."""
    button.click()
    WebDriverWait(driver, 20).until(EC.staleness_of(button))


def flash(driver):
    found = driver.find_elements(By.CSS_SELECTOR, ".flash")
    return found[0].text if found else ""


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))


def main():
    os.makedirs(SHOTS, exist_ok=True)
    process, data, base, one_time = start_server()
    driver = browser()
    try:
        driver.set_window_size(1440, 1000)
        # 1. The first admin signs in with the one-time password and must change it first.
        sign_in(driver, base, "admin", one_time)
        check(driver.current_url.endswith("/password"), f"first sign-in lands on /password, not {driver.current_url}")
        driver.get(base + "/hosts")
        check(driver.current_url.endswith("/password"), "every page leads to /password until it is changed")
        driver.find_element(By.ID, "current-password").send_keys(one_time)
        driver.find_element(By.ID, "new-password").send_keys(NEW_PASSWORD)
        driver.find_element(By.ID, "repeat-password").send_keys(NEW_PASSWORD)
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form.stacked button"))
        check("Your password was changed." in flash(driver), "the password change is confirmed")
        shot(driver, "01-overview")

        # 2. A second user, an approver, created on the users page.
        driver.get(base + "/users")
        driver.find_element(By.ID, "user-name").send_keys("carol")
        driver.find_element(By.ID, "user-password").send_keys("carol's initial secret")
        driver.find_element(By.CSS_SELECTOR, "#user-role option[value='approver']").click()
        driver.find_element(By.CSS_SELECTOR, "input[name='mustChangePassword:bool'][type='checkbox']").click()
        submit(driver, driver.find_element(By.CSS_SELECTOR, "#new-user button"))
        shot(driver, "02-user-created")
        check("User created." in flash(driver), f"the user is created: {flash(driver)!r}")

        # 3. A change to dev and staging in the demo's always-open window, created and submitted by
        # the admin ...
        driver.get(base + "/changes")
        driver.find_element(By.CSS_SELECTOR, "#new-change summary").click()
        driver.find_element(By.ID, "change-title").send_keys("Patch openssl in staging")
        driver.find_element(By.ID, "change-packages").send_keys("openssl")
        driver.find_element(By.ID, "change-environments").send_keys("dev, staging")
        driver.find_element(By.ID, "change-windows").send_keys("Demo window")
        driver.find_element(By.ID, "change-rollback").send_keys("Reinstall the previous openssl.")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/act/changes'] button[type='submit']"))
        created = flash(driver)
        check("as a draft" in created, f"the change is created: {created!r}")
        change_url = driver.current_url
        submit_buttons = driver.find_elements(By.CSS_SELECTOR, "form[action$='/submit'] button")
        check(bool(submit_buttons), "a draft can be submitted")
        if submit_buttons:
            submit(driver, submit_buttons[0])
            check("Submitted" in flash(driver), f"submitted: {flash(driver)!r}")
        shot(driver, "02-change-submitted")

        # ... and approved by the other user (separation of duties).
        driver.delete_all_cookies()
        sign_in(driver, base, "carol", "carol's initial secret")
        driver.get(change_url)
        approve = driver.find_elements(By.CSS_SELECTOR, "form[action$='/approve'] button")
        check(bool(approve), "the approver sees the approve form")
        if approve:
            driver.find_element(By.ID, "decision-comment").send_keys("Looks good.")
            submit(driver, approve[0])
            check("decision" in flash(driver), f"the decision is recorded: {flash(driver)!r}")
            check("carol" in driver.page_source, "the approval names the approver")
        shot(driver, "03-change-approved")
        console_errors(driver, "change flow")

        # 4. The admin plans the rollout, sees its waves, starts it (after confirming), and watches
        # it progress live to its end on the demo's agents.
        driver.delete_all_cookies()
        sign_in(driver, base, "admin", NEW_PASSWORD)
        driver.get(change_url.rstrip("/") + "/rollout")
        shot(driver, "04-rollout-preview")
        check("Wave" in driver.page_source or "wave" in driver.page_source, "the preview shows waves")
        start = driver.find_elements(By.CSS_SELECTOR, "form[action='/act/rollouts'] button")
        check(bool(start), "the preview offers to start the rollout")
        if start:
            submit(driver, start[0])
            confirm = driver.find_elements(By.CSS_SELECTOR, "form button.danger")
            check(bool(confirm), "starting asks for confirmation")
            if confirm:
                submit(driver, confirm[0])
            check("/rollouts/" in driver.current_url, f"lands on the rollout: {driver.current_url}")
            shot(driver, "05-rollout-started")
            state = ""
            deadline = time.time() + 180
            # No reloads here: the page follows the rollout by itself (server-sent events).
            while time.time() < deadline:
                try:
                    state = driver.find_element(By.CSS_SELECTOR, "h1 .badge").text
                except Exception:
                    state = ""
                if state in ("completed", "failed", "aborted", "halted"):
                    break
                time.sleep(1)
            shot(driver, "06-rollout-done")
            check(state == "completed", f"the rollout runs to its end live on the page: {state!r}")
            console_errors(driver, "rollout page")

        # 5. Every page, wide and narrow, as the admin.
        driver.get(base + "/hosts")
        host_links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "td a[href^='/hosts/']")]
        driver.get(base + "/advisories")
        advisory_links = [
            a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "td a[href^='/advisories/']")
        ]
        pages = ["/", "/hosts", "/findings", "/advisories", "/compliance", "/windows", "/policy", "/changes",
                 "/changes/queue", "/rollouts", "/tokens", "/users", "/audit", "/password", "/no-such-page"]
        if host_links:
            pages.append(host_links[0].replace(base, ""))
        if advisory_links:
            pages.append(advisory_links[0].replace(base, ""))
        check(bool(advisory_links), "advisories affect the demo fleet")
        for width in (1440, 400):
            driver.set_window_size(width, 1000)
            for path in pages:
                driver.get(base + path)
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "overview"
                shot(driver, f"{width}-{name}")
                console_errors(driver, f"{path} at {width} px", 404 if path == "/no-such-page" else None)
                if path == "/no-such-page":
                    check("There is nothing here" in driver.page_source, "a 404 is a page in the site's layout")
                if width == 400:
                    scroll, client = driver.execute_script(
                        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                    )
                    check(scroll <= client, f"{path} at 400 px scrolls sideways ({scroll} > {client})")
        # At 400 px the navigation folds behind its button and opens on a click.
        driver.get(base + "/")
        nav = driver.find_element(By.CSS_SELECTOR, "header.top nav")
        check(not nav.is_displayed(), "at 400 px the navigation is folded")
        driver.find_element(By.CSS_SELECTOR, "label.nav-toggle").click()
        check(nav.is_displayed(), "the menu button opens the navigation")
        shot(driver, "400-menu-open")

        # 6. CSV export of a list, in the signed-in browser.
        driver.set_window_size(1440, 1000)
        driver.get(base + "/findings")
        text = driver.execute_async_script(
            "const done = arguments[0];"
            "fetch('/hosts?format=csv').then(r => r.text().then(t => done(r.headers.get('content-type') + '\\n' + t)));"
        )
        check(text.startswith("text/csv"), f"CSV content type: {text[:40]!r}")
        check("\nid,hostname,os,os_version" in text, "the CSV has its header row")
        check(text.count("\r\n") >= 2, "the CSV has rows")
        console_errors(driver, "CSV export")
    finally:
        driver.quit()
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(data, ignore_errors=True)
    if failures:
        sys.exit(f"browser: {len(failures)} failures (screenshots in {SHOTS})")
    print(f"browser: console checks passed ({len(os.listdir(SHOTS))} screenshots in {SHOTS})")


main()
