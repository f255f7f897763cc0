"""Browser tests of the pages at /ui/: Debian's chromium driven through Debian's
chromedriver by selenium (nothing is downloaded at run time), against real
`certhost serve` processes on loopback, each with its own CERTHOST_HOME.

Screenshots of each page go to $CERTHOST_UI_SCREENSHOTS (default
target/ui-screenshots); `scripts/ui-screenshots.sh` copies them into docs/ui/.
"""

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[3]
BIN = os.environ.get("CERTHOST_BIN") or str(ROOT / "target" / "release" / "certhost")
PASSWORD = "correct horse battery staple"
SHOTS = Path(os.environ.get("CERTHOST_UI_SCREENSHOTS") or ROOT / "target" / "ui-screenshots")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


class Server:
    """One appliance: a CERTHOST_HOME, an API account, a REST binding on a free
    loopback port and `certhost serve`."""

    def __init__(self, root, name, *serve_args):
        self.name = name
        self.home = Path(root) / name
        self.home.mkdir(parents=True)
        self.port = free_port()
        setup = (
            f"Set-ServerIdentity -Fqdn {name} -IPAddress 127.0.0.1; "
            "New-ApiAccount -UserName admin -Password (ConvertTo-SecureString $env:UI_PASSWORD -AsPlainText -Force) | Out-Null; "
            "Get-BackupServerCertificate | Out-Null"
        )
        self.run(setup, CERTHOST_REST_ENDPOINT=f"127.0.0.1:{self.port}").check_returncode()
        self.log_path = self.home / "serve.log"
        self.log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [BIN, "serve", *serve_args],
            env=self.env(),
            cwd=self.home,
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
        )
        wait_for_port(self.port)

    def env(self, **extra):
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.home),
            "CERTHOST_HOME": str(self.home / "state"),
            "UI_PASSWORD": PASSWORD,
        }
        env.update(extra)
        return env

    def run(self, script, **extra):
        return subprocess.run(
            [BIN, "-NonInteractive", "-Command", script],
            env=self.env(**extra),
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def out(self, script):
        done = self.run(script)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def url(self, path):
        return f"https://{self.address}{path}"

    def served_thumbprint(self, port=None):
        """The SHA-1 thumbprint of the certificate openssl s_client is served."""
        port = port or self.port
        shown = subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
        ).stdout
        fingerprint = subprocess.run(
            ["openssl", "x509", "-noout", "-fingerprint", "-sha1"],
            input=shown,
            capture_output=True,
            timeout=30,
        ).stdout.decode()
        return fingerprint.split("=", 1)[1].strip().replace(":", "") if "=" in fingerprint else ""

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log_file.close()


@pytest.fixture
def servers(tmp_path):
    started = []

    def start(name, *args):
        server = Server(tmp_path, name, *args)
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()


def start_chromium(javascript=True):
    profile = tempfile.mkdtemp(prefix="certhost-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ]:
        options.add_argument(argument)
    # certhost serve's certificates are self-signed in these tests.
    options.accept_insecure_certs = True
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.implicitly_wait(5)
    return driver


@pytest.fixture(scope="session")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def no_script_browser():
    """A browser with JavaScript turned off."""
    driver = start_chromium(javascript=False)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser):
    """The browser with no cookies and a desktop-sized window."""
    browser.delete_all_cookies()
    browser.set_window_size(1280, 900)
    return browser


def click_and_wait(driver, element):
    """Clicks a button or link that loads a page, and waits for the new page."""
    act_and_wait(driver, element.click)


def act_and_wait(driver, action):
    """Does what loads a new page (a click, Enter in a form), and waits for it."""
    driver.execute_script("window.certhostOldPage = true")
    action()
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return window.certhostOldPage === undefined && document.readyState === 'complete'"
        )
    )


def sign_in(driver, server, user="admin", password=PASSWORD):
    driver.get(server.url("/ui/"))
    assert "/ui/sign-in" in driver.current_url
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def screenshot(driver, name, full_page=True):
    """Saves the page as SHOTS/<name>.png, the whole page's height when asked."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = driver.get_window_size()
    if full_page:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(size["width"], min(max(height + 120, 400), 4000))
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(size["width"], size["height"])


def unlabelled_fields(driver):
    """Form fields a screen reader cannot name: no <label for>, no aria-label."""
    return driver.execute_script(
        """
        return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
          .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
          .map(e => e.outerHTML);
        """
    )
