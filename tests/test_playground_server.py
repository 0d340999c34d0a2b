"""descend.playground.server: the token, Host and Origin checks, the files it serves, and stopping."""
import contextlib
import threading

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from descend.playground import server

TOKEN = "s3cret"


@pytest.fixture
def client():
    with TestClient(server.create_app(TOKEN, {"testserver"})) as c:
        yield c


def test_the_page_needs_the_token_and_then_sets_the_cookie(client):
    assert client.get("/").status_code == 403
    assert client.get("/?token=wrong").status_code == 403
    page = client.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and "descend playground" in page.text
    assert "http://" not in page.text.replace("http://www.w3.org", "")       # nothing from elsewhere
    assert page.cookies.get(server.COOKIE) == TOKEN
    assert client.get("/static/app.js").status_code == 200                   # with the cookie now
    client.cookies.clear()
    assert client.get("/static/app.js").status_code == 403


def test_every_static_file_ships_in_the_package(client):
    names = {p.name for p in server.STATIC.iterdir()}
    shipped = {"index.html", "app.js", "style.css", "uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE"}
    assert shipped <= names
    assert "MIT" in (server.STATIC / "uPlot.LICENSE").read_text()
    for name in names:
        assert client.get(f"/static/{name}?token={TOKEN}").status_code == 200
    assert "cdn" not in (server.STATIC / "index.html").read_text().lower()


def test_another_host_is_refused(client):
    assert client.get(f"/?token={TOKEN}", headers={"host": "evil.example:80"}).status_code == 403


@pytest.mark.parametrize("headers", [{}, {"origin": "http://evil.example"}, {"origin": "null"}])
def test_a_websocket_from_another_origin_is_refused(client, headers):
    with pytest.raises(WebSocketDisconnect) as info, \
            client.websocket_connect(f"/ws?token={TOKEN}", headers=headers):
        pass
    assert info.value.code == 1008


def test_a_websocket_without_the_token_is_refused(client):
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws", headers={"origin": "http://testserver"}):
        pass


def test_is_loopback():
    assert server.is_loopback("127.0.0.1") and server.is_loopback("localhost") and server.is_loopback("::1")
    assert not server.is_loopback("0.0.0.0") and not server.is_loopback("192.168.1.5")


def test_bind_a_free_port_and_a_taken_one():
    sock = server.bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert port > 0
        with pytest.raises(ValueError, match="cannot listen"):
            server.bind("127.0.0.1", port).close()
    finally:
        sock.close()


def test_a_running_server_serves_and_stopping_ends_its_sessions():
    import websockets.sync.client as wsc

    running = server.running()
    url = running.__enter__()
    try:
        base = url.split("?")[0]
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(base).status_code == 403
        assert httpx.get(url).status_code == 200
        ws_url = base.replace("http", "ws") + "ws?" + url.split("?")[1]
        conn = wsc.connect(ws_url, origin=base.rstrip("/"))
        conn.__enter__()
        assert '"hello"' in conn.recv(timeout=10)
        workers = [t for t in threading.enumerate() if t.name == "descend-playground-session"]
        assert len(workers) == 1 and workers[0].is_alive()
    finally:
        running.__exit__(None, None, None)          # the tab is still open
    workers[0].join(5)
    assert not workers[0].is_alive()
    with contextlib.suppress(Exception):
        conn.__exit__(None, None, None)
