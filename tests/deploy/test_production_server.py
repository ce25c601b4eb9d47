"""The Procfile, run as a platform runs it, serves pages: release step, then the web process.

Production settings (DEBUG=0, a secret key, allowed hosts, a temporary STATIC_ROOT and a
SQLite database of its own); the release line runs `collectstatic` and `migrate`; the web line
starts gunicorn on a free loopback port (its 0.0.0.0 bind narrowed to 127.0.0.1, nothing else
changed). TRUSTED_PROXIES names 127.0.0.2, so one server shows both sides: a request sent from
127.0.0.2 comes from the trusted proxy, one from 127.0.0.1 from anybody.
"""

from __future__ import annotations

import gzip
import http.client
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from tests.production import BASE_DIR, free_port, procfile, production_env, run_release

pytestmark = pytest.mark.deploy

HOST = "sales.example.com"
PROXY = "127.0.0.2"
BOOT_TIMEOUT = 60


def web_command() -> str:
    command = procfile()["web"]
    assert "--bind 0.0.0.0:$PORT" in command
    return command.replace("--bind 0.0.0.0:$PORT", "--bind 127.0.0.1:$PORT")


def start_web(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            ["/bin/sh", "-c", f"exec {web_command()}"],
            env=env,
            cwd=BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def get(port: int, path: str, *, source: str = "127.0.0.1", **headers: str):
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request("GET", path, headers={"Host": HOST, **headers})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def wait_for_http(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        with suppress(OSError):
            get(port, "/healthz/")
            return
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {BOOT_TIMEOUT}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def released_env(tmp_path_factory) -> dict[str, str]:
    """Production settings after the Procfile's release step ran against them."""
    root = tmp_path_factory.mktemp("production")
    env = production_env(
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        STATIC_ROOT=str(root / "static"),
        TRUSTED_PROXIES=PROXY,
    )
    result = run_release(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "static" / "staticfiles.json").exists()
    return env


@pytest.fixture(scope="module")
def web(released_env, tmp_path_factory) -> Iterator[int]:
    """The Procfile's web process, serving; yields its port."""
    port = free_port()
    log = tmp_path_factory.mktemp("web") / "gunicorn.log"
    process = start_web({**released_env, "PORT": str(port)}, log)
    try:
        wait_for_http(port, process, log)
        yield port
    finally:
        stop(process)


def test_the_login_page_is_served_through_the_trusted_proxy_with_hsts_and_secure_cookies(web):
    response, body = get(web, "/accounts/login/", source=PROXY, **{"X-Forwarded-Proto": "https"})

    assert response.status == 200, body[:2000]
    assert b'name="password"' in body
    assert response.getheader("Strict-Transport-Security").startswith("max-age=31536000")
    cookies = response.headers.get_all("Set-Cookie") or []
    csrf = [c for c in cookies if c.startswith("csrftoken=")]
    assert csrf, cookies
    assert all("Secure" in cookie for cookie in cookies)


def test_the_pages_assets_are_served_under_hashed_names_compressed_and_cached(web):
    _response, body = get(web, "/accounts/login/", source=PROXY, **{"X-Forwarded-Proto": "https"})
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', body)
    stylesheet = next(a.decode() for a in assets if b"/css/app." in a)
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", stylesheet)

    response, content = get(
        web, stylesheet, source=PROXY, **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
    )

    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "immutable" in response.getheader("Cache-Control")
    assert b"team-depth-1" in gzip.decompress(content)


def test_a_client_that_is_not_the_proxy_cannot_claim_https(web):
    response, _body = get(web, "/accounts/login/", **{"X-Forwarded-Proto": "https"})

    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/accounts/login/"
    assert response.getheader("Strict-Transport-Security") is None


def test_the_web_process_refuses_to_start_without_collected_static_files(released_env, tmp_path):
    env = {
        **released_env,
        "STATIC_ROOT": str(tmp_path / "never-collected"),
        "PORT": str(free_port()),
    }
    log = tmp_path / "gunicorn.log"
    process = start_web(env, log)
    try:
        process.wait(timeout=BOOT_TIMEOUT)
    finally:
        stop(process)

    assert process.returncode != 0
    output = log.read_text()
    assert "No collected static files" in output
    assert "collectstatic" in output
