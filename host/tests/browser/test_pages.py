"""The pages at /ui/ in a real browser: sign-in, the certificates list and detail,
the install wizard with an uploaded PFX (served at once, checked with openssl
s_client), a wrong PFX password, bindings, CSRF refusals, session expiry, the
appliance exchange between two servers, and a phone-width layout."""

import os
import re
import subprocess
import time

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import PASSWORD, act_and_wait, click_and_wait, free_port, screenshot, sign_in, unlabelled_fields


PFX_PASSWORD = "pfx pass phrase 1"


def text_of(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def make_pfx(directory, name, days=200):
    """A key and certificate for `name` and 127.0.0.1 made by openssl, as a PFX; its
    thumbprint according to openssl."""
    key, cert, pfx = (directory / f"{name}.{e}" for e in ("key", "crt", "pfx"))
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
            "-subj", f"/CN={name}", "-days", str(days),
            "-addext", f"subjectAltName=DNS:{name},IP:127.0.0.1",
            "-addext", "basicConstraints=critical,CA:FALSE",
            "-addext", "extendedKeyUsage=serverAuth",
            "-addext", "keyUsage=digitalSignature,keyEncipherment",
        ],
        check=True, capture_output=True,
    )
    subprocess.run(
        ["openssl", "pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx, "-passout", "env:PFX_PASSWORD"],
        check=True, capture_output=True, env={**os.environ, "PFX_PASSWORD": PFX_PASSWORD},
    )
    fingerprint = subprocess.run(
        ["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha1"], check=True, capture_output=True, text=True
    ).stdout
    return pfx, fingerprint.split("=", 1)[1].strip().replace(":", "")


def backup_thumbprint(server):
    return server.out("(Get-BackupServerCertificate).Thumbprint")


def test_sign_in_list_detail_and_every_page(servers, page):
    a = servers("a.test")
    thumbprint = backup_thumbprint(a)
    soon, later = a.out(
        "foreach ($d in 5, 40) { (New-SelfSignedCertificate -DnsName \"in$d.a.test\" -NotAfter (Get-Date).AddDays($d) "
        "-CertStoreLocation Cert:\\LocalMachine\\My).Thumbprint }"
    ).split()
    page.get(a.url("/ui/certificates"))
    assert "/ui/sign-in" in page.current_url
    screenshot(page, "sign-in")
    sign_in(page, a, password="not the password")
    assert "Wrong user name or password." in page.find_element(By.ID, "password-error").text
    sign_in(page, a)
    assert page.current_url.endswith("/ui/certificates")
    cookie = page.get_cookie("__Host-certhost-session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie
    body = text_of(page)
    assert thumbprint in body
    assert "slot BackupServer" in body and f"binding {a.address}" in body
    assert re.search(r"in \d+ days", body)
    # Expiring under 30 days is marked; 40 days is not.
    soon_row = page.find_element(By.XPATH, f"//tr[td/code[text()='{soon}']]")
    assert "expiring" in soon_row.find_element(By.CSS_SELECTOR, "td[data-label=Expires]").get_attribute("class")
    later_row = page.find_element(By.XPATH, f"//tr[td/code[text()='{later}']]")
    assert "ok" == later_row.find_element(By.CSS_SELECTOR, "td[data-label=Expires]").get_attribute("class")
    screenshot(page, "certificates")
    # The filters: by text, and by a store that does not hold it.
    page.get(a.url("/ui/certificates?q=no-such-name"))
    assert "0 of" in page.find_element(By.CLASS_NAME, "count").text
    page.get(a.url("/ui/certificates?store=Root"))
    assert thumbprint not in text_of(page)
    # The detail page: Format-List * properties and the PEM, which openssl reads.
    page.get(a.url("/ui/certificates"))
    click_and_wait(page, page.find_element(By.LINK_TEXT, "CN=a.test"))
    body = text_of(page)
    for name in ["PSPath", "Thumbprint", "NotAfter", "HasPrivateKey", "DnsNameList", "Sha256Fingerprint"]:
        assert name in body
    pem = page.find_element(By.ID, "pem").get_attribute("value")
    shown = subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha1"], input=pem, capture_output=True, text=True, check=True
    ).stdout
    assert shown.split("=", 1)[1].strip().replace(":", "") == thumbprint
    assert "PRIVATE KEY" not in page.page_source
    # With JavaScript the Copy button shows (the test without JavaScript sees it hidden).
    assert page.find_element(By.CSS_SELECTOR, "button[data-copy]").is_displayed()
    screenshot(page, "certificate")
    for path, name in [
        ("/ui/install", "install"),
        ("/ui/bindings", "bindings"),
        ("/ui/appliances", "appliances"),
        ("/ui/expiry", "expiry"),
    ]:
        page.get(a.url(path))
        assert page.find_element(By.TAG_NAME, "h1").text
        assert unlabelled_fields(page) == [], path
        screenshot(page, name)
    # The expiry timeline: the 5-day certificate in the first week, the 40-day one in the
    # sixth, the backup server's (a year) not at all.
    page.get(a.url("/ui/expiry"))
    assert "in5.a.test" in page.find_element(By.XPATH, "//section[h2[text()='Within 7 days']]").text
    assert "in40.a.test" in page.find_element(By.XPATH, "//section[h2[text()='In 36 to 42 days']]").text
    assert "CN=a.test" not in page.find_element(By.TAG_NAME, "main").text
    # Sign out ends the session: the pages ask to sign in again.
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, ".sign-out button"))
    assert "You have signed out." in text_of(page)
    page.get(a.url("/ui/bindings"))
    assert "/ui/sign-in" in page.current_url


def test_the_wizard_installs_an_uploaded_pfx_served_at_once(servers, page, tmp_path):
    a = servers("a.test")
    pid = a.process.pid
    before = backup_thumbprint(a)
    assert a.served_thumbprint() == before
    pfx, new = make_pfx(tmp_path, "a.test")
    sign_in(page, a)
    page.get(a.url("/ui/install"))
    page.find_element(By.ID, "slot-BackupServer").click()
    page.find_element(By.ID, "way-pfx").click()
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    assert "Step 2 of 3" in text_of(page)
    # A wrong password: said next to the password field, nothing changed.
    page.find_element(By.ID, "pfx").send_keys(str(pfx))
    page.find_element(By.ID, "password").send_keys("wrong password")
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    error = page.find_element(By.ID, "password-error").text
    assert "wrong password" in error.lower(), error
    assert page.find_element(By.ID, "password").get_attribute("aria-describedby") == "password-error"
    screenshot(page, "install-wrong-password")
    assert backup_thumbprint(a) == before
    assert a.served_thumbprint() == before
    # The right password: the findings and the plan, then Finish.
    page.find_element(By.ID, "pfx").send_keys(str(pfx))
    page.find_element(By.ID, "password").send_keys(PFX_PASSWORD)
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    body = text_of(page)
    assert "Step 3 of 3" in body and "Nothing has changed yet" in body, body
    assert f"Re-point binding {a.address} to {new}" in body
    screenshot(page, "install-confirm")
    finish_form = {
        name: page.find_element(By.CSS_SELECTOR, f"form.card input[name={name}]").get_attribute("value")
        for name in ["csrf", "draft"]
    }
    assert backup_thumbprint(a) == before
    click_and_wait(page, page.find_element(By.XPATH, "//button[text()='Finish']"))
    assert new in page.current_url
    assert "now the backup server certificate" in text_of(page)
    screenshot(page, "install-done")
    # Served at once by the same process, as openssl sees it; the store agrees.
    assert a.served_thumbprint() == new
    assert backup_thumbprint(a) == new
    assert a.process.pid == pid and a.process.poll() is None
    # Sending the same Finish again (a second click, a reload) changes nothing more.
    s = browser_session(page, a)
    again = s.post(a.url("/ui/install/finish"), data=finish_form, headers={"Origin": a.url("")})
    assert again.status_code == 409 and "Nothing to finish" in again.text


def test_a_generated_certificate_and_a_stored_one_for_other_slots(servers, page):
    a = servers("a.test")
    sign_in(page, a)
    page.get(a.url("/ui/install/details?slot=CloudGateway&way=generate"))
    days = page.find_element(By.ID, "days")
    days.clear()
    days.send_keys("90")
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    click_and_wait(page, page.find_element(By.XPATH, "//button[text()='Finish']"))
    assert "/ui/certificates/" in page.current_url
    generated = page.current_url.split("/")[-1].split("?")[0]
    # Select it from the store for the Enterprise Manager Web UI.
    page.get(a.url("/ui/install/details?slot=EnterpriseManagerWebUI&way=store"))
    Select(page.find_element(By.ID, "certificate")).select_by_value(f"My|{generated}")
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    assert "Step 3 of 3" in text_of(page)
    click_and_wait(page, page.find_element(By.XPATH, "//button[text()='Finish']"))
    assert generated in page.current_url
    page.get(a.url("/ui/certificates"))
    row = page.find_element(By.XPATH, f"//tr[td/code[text()='{generated}']]").text
    assert "slot CloudGateway" in row and "slot EnterpriseManagerWebUI" in row, row


def test_bindings_are_added_changed_and_removed_from_the_page(servers, page, tmp_path):
    a = servers("a.test")
    thumbprint = backup_thumbprint(a)
    sign_in(page, a)
    page.get(a.url("/ui/bindings/add"))
    page.find_element(By.ID, "endpoint").send_keys("127.0.0.1:99999")
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    assert page.find_element(By.ID, "endpoint-error").text
    port = free_port()
    field = page.find_element(By.ID, "endpoint")
    field.clear()
    field.send_keys(f"127.0.0.1:{port}")
    Select(page.find_element(By.ID, "certificate")).select_by_value(f"My|{thumbprint}")
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    assert f"127.0.0.1:{port} is bound" in text_of(page)
    assert a.served_thumbprint(port) == thumbprint
    # Adding it again says to change it instead.
    page.get(a.url("/ui/bindings/add"))
    page.find_element(By.ID, "endpoint").send_keys(f"127.0.0.1:{port}")
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    assert "already bound" in page.find_element(By.ID, "endpoint-error").text
    # Change it to another certificate: served without a restart.
    other = a.out(
        "(New-SelfSignedCertificate -DnsName other.test -CertStoreLocation Cert:\\LocalMachine\\My).Thumbprint"
    )
    page.get(a.url(f"/ui/bindings/change?endpoint=127.0.0.1:{port}"))
    Select(page.find_element(By.ID, "certificate")).select_by_value(f"My|{other}")
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    assert "now serves the new certificate" in text_of(page)
    assert a.served_thumbprint(port) == other
    assert other.lower() in a.out("netsh http show sslcert").lower()
    # Remove asks first; then the listener closes.
    page.get(a.url(f"/ui/bindings/remove?endpoint=127.0.0.1:{port}"))
    screenshot(page, "binding-remove")
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button.danger"))
    assert "is no longer bound" in text_of(page)
    assert f"127.0.0.1:{port}" not in a.out("netsh http show sslcert")


def plain_session():
    """A requests session for the servers' self-signed certificates."""
    s = requests.Session()
    s.verify = False
    s.trust_env = False  # a CA bundle named in the environment would override verify
    return s


def browser_session(driver, server):
    """A requests session with the browser's session cookie."""
    s = plain_session()
    cookie = driver.get_cookie("__Host-certhost-session")
    s.headers["Cookie"] = f"__Host-certhost-session={cookie['value']}"
    return s


def signed_in_session(server):
    """A requests session signed in through the form (as a browser would)."""
    s = plain_session()
    form = s.get(server.url("/ui/sign-in"))
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    done = s.post(
        server.url("/ui/sign-in"),
        data={"token": token, "username": "admin", "password": PASSWORD, "next": "/ui/bindings"},
        allow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return s


def test_forms_without_the_csrf_token_or_from_another_site_are_refused(servers):
    a = servers("a.test")
    s = signed_in_session(a)
    page = s.get(a.url("/ui/bindings"))
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    for data in [{"endpoint": a.address}, {"endpoint": a.address, "csrf": "forged"}]:
        refused = s.post(a.url("/ui/bindings/remove"), data=data, allow_redirects=False)
        assert refused.status_code == 403, refused.text
        assert "security token" in refused.text
    other_site = s.post(
        a.url("/ui/bindings/remove"),
        data={"endpoint": a.address, "csrf": csrf},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )
    assert other_site.status_code == 403
    assert a.address in a.out("netsh http show sslcert")
    # A sign-in form without its token checks no password.
    fresh = plain_session().post(
        a.url("/ui/sign-in"), data={"username": "admin", "password": PASSWORD}, allow_redirects=False
    )
    assert fresh.status_code == 403
    # The pages' security headers.
    headers = s.get(a.url("/ui/certificates")).headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
    assert headers["server-timing"].startswith("app;dur=")
    # Fields the browser would have checked are checked again at the server.
    wizard = s.post(
        a.url("/ui/install/check"),
        files={"csrf": (None, csrf), "slot": (None, "CloudGateway"), "way": (None, "generate"), "days": (None, "0")},
    )
    assert wizard.status_code == 422 and "not a number of days from 1 to 3650" in wizard.text
    assert "CloudGateway" not in a.out("Get-ChildItem Cert:\\LocalMachine\\My | Select-Object -ExpandProperty FriendlyName")
    # With the token, the same request works.
    done = s.post(a.url("/ui/bindings/remove"), data={"endpoint": a.address, "csrf": csrf}, allow_redirects=False)
    assert done.status_code == 303


def test_an_idle_session_expires(servers, page):
    a = servers("a.test", "--access-token-seconds", "2")
    sign_in(page, a)
    assert page.current_url.endswith("/ui/certificates")
    time.sleep(3)
    page.get(a.url("/ui/expiry"))
    assert "/ui/sign-in" in page.current_url
    assert "Your session has expired. Sign in again." in text_of(page)
    # Signing in again goes back to the page asked for.
    page.find_element(By.ID, "username").send_keys("admin")
    page.find_element(By.ID, "password").send_keys(PASSWORD)
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert page.current_url.endswith("/ui/expiry")


def test_the_appliance_exchange_between_two_servers_from_the_page(servers, page):
    a = servers("a.test", "--allow-connect", "127.0.0.0/8")
    b = servers("b.test")
    sign_in(page, a)
    page.get(a.url("/ui/appliances"))

    def exchange(password):
        page.find_element(By.ID, "address").send_keys(b.address)
        page.find_element(By.ID, "user").send_keys("admin")
        page.find_element(By.ID, "exchange-password").send_keys(password)
        click_and_wait(page, page.find_element(By.XPATH, "//button[text()='Exchange']"))

    exchange("not the password")
    assert page.find_element(By.ID, "exchange-error").text
    assert a.out("Get-TrustedPeer | Measure-Object | ForEach-Object Count") == "0"
    assert b.out("Get-TrustedPeer | Measure-Object | ForEach-Object Count") == "0"
    page.find_element(By.ID, "address").clear()
    page.find_element(By.ID, "user").clear()
    exchange(PASSWORD)
    assert "Exchanged certificates with b.test" in text_of(page)
    assert "b.test" in page.find_element(By.TAG_NAME, "table").text
    screenshot(page, "appliances-trusted")
    assert a.out("(Get-TrustedPeer).Name") == "b.test"
    assert b.out("(Get-TrustedPeer).Name") == "a.test"
    # The backup server's certificate is pinned by b now: its list row and its own
    # page both say so.
    page.get(a.url("/ui/certificates"))
    assert "trusted by peer b.test" in page.find_element(By.TAG_NAME, "table").text
    page.get(a.url(f"/ui/certificates/My/{backup_thumbprint(a)}"))
    assert "trusted by peer b.test" in text_of(page)
    page.get(a.url("/ui/appliances"))
    # Download this appliance's certificate: the one a presents, as openssl sees it.
    s = signed_in_session(a)
    pem = s.get(a.url("/ui/appliances/certificate.pem")).text
    shown = subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha1"], input=pem, capture_output=True, text=True, check=True
    ).stdout
    assert shown.split("=", 1)[1].strip().replace(":", "") == a.served_thumbprint()
    # Remove, after a confirmation.
    click_and_wait(page, page.find_element(By.LINK_TEXT, "Remove"))
    assert "Stop trusting b.test" in text_of(page)
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button.danger"))
    assert "b.test is no longer trusted" in text_of(page)
    assert a.out("Get-TrustedPeer | Measure-Object | ForEach-Object Count") == "0"


def test_pages_fit_a_phone(servers, page):
    a = servers("a.test")
    sign_in(page, a)
    page.set_window_size(390, 844)
    for path in ["/ui/certificates", "/ui/install", "/ui/bindings", "/ui/expiry"]:
        page.get(a.url(path))
        width = page.execute_script("return document.documentElement.scrollWidth")
        inner = page.execute_script("return window.innerWidth")
        assert width <= inner, f"{path} scrolls sideways: {width} > {inner}"
    page.get(a.url("/ui/certificates"))
    screenshot(page, "certificates-phone")


def test_sign_in_and_the_menu_work_with_the_keyboard_alone(servers, page):
    a = servers("a.test")
    page.get(a.url("/ui/"))
    field = page.switch_to.active_element
    assert field.get_attribute("id") == "username", "the user name field has the focus"
    field.send_keys("admin", Keys.TAB)
    password = page.switch_to.active_element
    assert password.get_attribute("id") == "password"
    act_and_wait(page, lambda: password.send_keys(PASSWORD, Keys.ENTER))
    assert page.current_url.endswith("/ui/certificates")
    # The first Tab reaches the skip link, and the next ones the menu in order.
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert page.switch_to.active_element.get_attribute("class") == "skip"
    stops = []
    for _ in range(6):
        page.switch_to.active_element.send_keys(Keys.TAB)
        stops.append(page.switch_to.active_element.text)
    assert stops == ["certhost", "Certificates", "Install", "Bindings", "Appliances", "Expiry"], stops
    act_and_wait(page, lambda: page.switch_to.active_element.send_keys(Keys.ENTER))
    assert page.current_url.endswith("/ui/expiry")


def test_the_pages_work_with_javascript_turned_off(servers, no_script_browser):
    page = no_script_browser
    a = servers("a.test")
    before = backup_thumbprint(a)
    sign_in(page, a)
    assert page.current_url.endswith("/ui/certificates")
    # The Copy button needs the script; it stays hidden without it.
    page.find_element(By.LINK_TEXT, "CN=a.test").click()
    assert not page.find_element(By.CSS_SELECTOR, "button[data-copy]").is_displayed()
    # The wizard from start to Finish: generate a certificate for the backup server.
    page.get(a.url("/ui/install"))
    page.find_element(By.ID, "slot-BackupServer").click()
    page.find_element(By.ID, "way-generate").click()
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    click_and_wait(page, page.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    assert "Step 3 of 3" in text_of(page)
    click_and_wait(page, page.find_element(By.XPATH, "//button[text()='Finish']"))
    after = backup_thumbprint(a)
    assert after != before and after in page.current_url
    assert a.served_thumbprint() == after
