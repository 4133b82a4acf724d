"""The production configuration, for real: `check --deploy` with the environment README's
"Deploying" documents, and gunicorn serving `config.wsgi` with it (WhiteNoise's static files,
HTTPS redirect, HSTS, secure cookies, logs on standard output), and with its database unreachable.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management.utils import get_random_secret_key

ROOT = Path(__file__).resolve().parent.parent
HOST = "archive.example.org"
HTTPS = {"X-Forwarded-Proto": "https"}  # what the load balancer adds to what it forwards


def documented_environment() -> dict[str, str]:
    """The variables of the first shell block under README's "## Deploying"."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Deploying\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return dict(line.split("=", 1) for line in block.splitlines() if line.strip())


def production_environment(folder: Path, **overrides: str) -> dict[str, str]:
    """The documented environment with a real secret and folders of the test's own; nothing of
    the test run's own configuration (its DATABASE_URL, say) leaks in."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "ARCHIVE_", "DATABASE_"))
    }
    return {
        **inherited,
        **documented_environment(),
        "DJANGO_SECRET_KEY": get_random_secret_key() + get_random_secret_key(),
        "ARCHIVE_IMPORT_STORAGE": str(folder / "imports"),
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        **overrides,
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


# --- check --deploy ---------------------------------------------------------------------------


def test_the_documented_environment_is_for_postgresql_with_debug_off():
    environment = documented_environment()

    assert environment["DJANGO_DEBUG"] == "false"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "ARCHIVE_IMPORT_STORAGE"} <= set(
        environment
    )


def test_check_deploy_passes_with_the_documented_environment(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_environment(tmp_path)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_fails_when_debug_is_left_on(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_environment(tmp_path, DJANGO_DEBUG="true"),
    )

    assert result.returncode != 0
    assert "security.W018" in result.stderr


def test_hsts_is_configured_by_the_environment(tmp_path):
    script = (
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    environment = production_environment(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECURE_HSTS_SECONDS="300",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        DJANGO_SECURE_HSTS_PRELOAD="false",
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert result.stdout.split() == ["300", "False", "False"], result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    environment = production_environment(tmp_path)
    del environment["DJANGO_SECRET_KEY"]

    result = manage("check", env=environment)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


# --- gunicorn with the production settings ----------------------------------------------------


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A production install on SQLite: migrated, static files collected, one superuser."""
    folder = tmp_path_factory.mktemp("deployment")
    environment = production_environment(
        folder,
        DATABASE_URL=f"sqlite:///{folder / 'archive.sqlite3'}",
        DJANGO_SUPERUSER_USERNAME="curator",
        DJANGO_SUPERUSER_PASSWORD="a long and unguessable password",
        DJANGO_SUPERUSER_EMAIL="curator@example.org",
    )
    for command in (
        ["migrate", "--no-input"],
        ["collectstatic", "--no-input"],
        ["createsuperuser", "--no-input"],
    ):
        result = manage(*command, env=environment)
        assert result.returncode == 0, result.stdout + result.stderr
    return folder, environment


@pytest.fixture(scope="module")
def server(deployment):
    folder, environment = deployment
    with gunicorn(environment, folder / "server") as running:
        yield running


def test_healthz_answers_the_load_balancers_plain_http_probe(server):
    response = server.get("/healthz")

    assert response.status == 200
    assert json.loads(response.body) == {"status": "ok", "database": "ok"}
    assert "no-store" in response.headers["Cache-Control"]


def test_plain_http_is_redirected_to_https(server):
    response = server.get("/publications/?q=Soviet")

    assert response.status == 301
    assert response.headers["Location"] == f"https://{HOST}/publications/?q=Soviet"


def test_pages_over_https_carry_hsts_and_the_security_headers(server):
    response = server.get("/", headers=HTTPS)

    assert response.status == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_static_files_are_served_compressed_under_hashed_names_and_cached_for_ever(server):
    page = server.get("/", headers=HTTPS).body.decode()
    stylesheet = re.search(r'href="(/static/archive/site\.[0-9a-f]{12}\.css)"', page)[1]

    response = server.get(stylesheet, headers={**HTTPS, "Accept-Encoding": "gzip"})

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]


def test_the_admin_cookies_are_secure_and_http_only(server):
    login = server.get("/admin/login/", headers=HTTPS)
    csrf_cookie = login.cookie("csrftoken")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.body.decode())[1]

    response = server.post(
        "/admin/login/?next=/admin/",
        {
            "username": "curator",
            "password": "a long and unguessable password",
            "csrfmiddlewaretoken": token,
        },
        headers={
            **HTTPS,
            "Cookie": f"csrftoken={csrf_cookie['value']}",
            "Referer": f"https://{HOST}/admin/login/",
        },
    )

    assert response.status == 302
    session_cookie = response.cookie("sessionid")
    for cookie in (csrf_cookie, session_cookie):
        assert cookie["Secure"] and cookie["HttpOnly"], cookie
    assert session_cookie["SameSite"] == "Lax"


def test_logs_go_to_standard_output(server):
    server.get("/no-such-page/", headers=HTTPS)
    server.get("/healthz")

    log = server.wait_for_output('"GET /healthz HTTP/1.1" 200')

    assert '"GET /healthz HTTP/1.1" 200' in log  # gunicorn's access log
    assert "Not Found: /no-such-page/" in log  # Django's own log, through the same stream


# --- the database down ------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_with_the_database_unreachable_pages_answer_503_and_healthz_says_so(
    deployment, tmp_path, database
):
    _, environment = deployment
    unreachable = {
        "postgresql": f"postgres://archive:archive@127.0.0.1:{closed_port()}/archive",
        "sqlite": f"sqlite:///{tmp_path / 'no-such-folder' / 'archive.sqlite3'}",
    }[database]

    with gunicorn({**environment, "DATABASE_URL": unreachable}, tmp_path) as down:
        health = down.get("/healthz")
        english = down.get("/publications/", headers=HTTPS)
        chinese = down.get("/zh-hans/people/zhou-enlai/", headers=HTTPS)
        log = down.wait_for_output("Database unavailable for /zh-hans/people/zhou-enlai/")

    assert health.status == 503
    assert json.loads(health.body) == {"status": "unavailable", "database": "unreachable"}
    for response, language in ((english, "en"), (chinese, "zh-hans")):
        assert response.status == 503
        assert response.headers["Retry-After"] == "60"
        page = response.body.decode()
        assert f'<html lang="{language}"' in page
        assert '<main id="main">' in page
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "The archive is briefly unavailable" in english.body.decode()
    assert "Database unavailable for /publications/" in log


# --- running gunicorn -------------------------------------------------------------------------


class Response:
    def __init__(self, raw: http.client.HTTPResponse):
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read()

    def cookie(self, name: str) -> dict:
        for header in self.headers.get_all("Set-Cookie") or []:
            first, *attributes = (part.strip() for part in header.split(";"))
            if first.startswith(f"{name}="):
                cookie = {"value": first.split("=", 1)[1]}
                for attribute in attributes:
                    key, _, value = attribute.partition("=")
                    cookie[key] = value or True
                cookie.setdefault("Secure", False)
                cookie.setdefault("HttpOnly", False)
                return cookie
        raise AssertionError(f"no {name} cookie set")


class Server:
    def __init__(self, port: int, output: Path):
        self.port = port
        self.output = output

    def request(self, method, path, body=None, headers=None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
            return Response(connection.getresponse())
        finally:
            connection.close()

    def get(self, path, headers=None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path, fields: dict, headers=None) -> Response:
        headers = {**(headers or {}), "Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", path, body=urlencode(fields), headers=headers)

    def wait_for_output(self, text: str) -> str:
        """gunicorn's standard output once it holds `text` (log lines are written after the
        response, so they may lag it a little)."""
        deadline = time.monotonic() + 30
        while True:
            log = self.output.read_text(encoding="utf-8", errors="replace")
            if text in log or time.monotonic() > deadline:
                return log
            time.sleep(0.1)


@contextmanager
def gunicorn(environment: dict[str, str], folder: Path):
    """The documented gunicorn command, on a free loopback port, until the block ends."""
    port = closed_port()
    folder.mkdir(parents=True, exist_ok=True)
    stdout, stderr = folder / "stdout.log", folder / "stderr.log"
    command = [
        *(sys.executable, "-m", "gunicorn", "config.wsgi"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"),
        *("--access-logfile", "-"),
    ]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=err)
    try:
        wait_until_listening(port, process, stderr)
        yield Server(port, stdout)
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_listening(port: int, process: subprocess.Popen, stderr: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {stderr.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not start: {stderr.read_text()}")


def test_the_wsgi_application_leaves_what_loading_made_out_of_garbage_collection(tmp_path):
    printing = "import gc, config.wsgi; print(gc.get_freeze_count() > 10_000)"
    result = subprocess.run(
        [sys.executable, "-c", printing],
        cwd=ROOT,
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]
