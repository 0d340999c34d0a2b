"""The playground's web server: Starlette on uvicorn, one WebSocket per browser tab.

Security, as Jupyter does it: the server binds 127.0.0.1 by default; its URL carries a random
token made at each launch, and every HTTP or WebSocket request without it (in the query string
or the cookie the page receives) is refused with 403. A request whose ``Host`` is not the
server's own is refused (DNS rebinding), and so is a WebSocket whose ``Origin`` is not the page's
own (cross-site WebSocket hijacking). Everything served ships in the package (``static/``).
"""
from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import AsyncIterator, Callable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from .session import MAX_MESSAGE, Session

STATIC = Path(__file__).with_name("static")
#: more tabs than this at once are refused (each has a thread)
MAX_SESSIONS = 32
COOKIE = "descend_playground"

Scope = dict[str, Any]


class Guard:
    """ASGI middleware: the token, the Host and (for a WebSocket) the Origin, checked first."""

    def __init__(self, app: Any, token: str, hosts: set[str]) -> None:
        self.app, self.token, self.hosts = app, token, hosts

    def allowed(self, scope: Scope) -> bool:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if host not in self.hosts:
            return False
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        if not given:
            cookie: SimpleCookie = SimpleCookie()
            with contextlib.suppress(Exception):
                cookie.load(headers.get("cookie", ""))
            given = cookie[COOKIE].value if COOKIE in cookie else ""
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return False
        return scope["type"] != "websocket" or headers.get("origin") == f"http://{host}"

    async def __call__(self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] not in ("http", "websocket") or self.allowed(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await receive()                                   # websocket.connect
            await send({"type": "websocket.close", "code": 1008, "reason": "forbidden"})
            return
        body = b"403 Forbidden: open the URL that 'descend playground' printed (it carries the token)\n"
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def create_app(token: str, hosts: set[str]) -> Any:
    """The ASGI app: ``/`` (the page), ``/static/…``, ``/ws`` (a tab's session), behind :class:`Guard`."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocket

    sessions: set[Session] = set()

    async def index(request: Any) -> Response:
        response = HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"),
                                headers={"Cache-Control": "no-store"})
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    async def tab(websocket: WebSocket) -> None:
        await websocket.accept()
        if len(sessions) >= MAX_SESSIONS:
            await websocket.close(code=1013, reason=f"at most {MAX_SESSIONS} tabs at once")
            return
        loop = asyncio.get_running_loop()
        out: asyncio.Queue[str | None] = asyncio.Queue()

        def send(text: str) -> None:      # from the worker thread
            with contextlib.suppress(RuntimeError):         # the loop has closed: nobody listens
                loop.call_soon_threadsafe(out.put_nowait, text)

        session = Session(send)
        sessions.add(session)
        session.start()

        async def pump() -> None:
            while (text := await out.get()) is not None:
                await websocket.send_text(text)

        sender = asyncio.create_task(pump())
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                session.submit(text if text is not None else message.get("bytes"))
        finally:                          # the tab is closed: its session ends
            session.stop()
            sender.cancel()
            sessions.discard(session)
            await asyncio.to_thread(session.close)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        for session in list(sessions):                        # stopping the server ends every session
            session.close()
        sessions.clear()

    app = Starlette(routes=[Route("/", index), WebSocketRoute("/ws", tab),
                            Mount("/static", StaticFiles(directory=STATIC), name="static")],
                    lifespan=lifespan)
    app.state.sessions = sessions
    return Guard(app, token, hosts)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ValueError(f"--host/--port: cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _server(host: str, port: int) -> tuple[socket.socket, str, Any]:
    """(listening socket, URL with the token, uvicorn.Server) for a new launch."""
    import uvicorn

    sock = bind(host, port)
    actual = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    shown = f"[{host}]" if ":" in host else host
    hosts = {f"{shown}:{actual}", f"127.0.0.1:{actual}", f"localhost:{actual}"}
    config = uvicorn.Config(create_app(token, hosts), log_level="warning", ws_max_size=2 * MAX_MESSAGE,
                            lifespan="on", timeout_graceful_shutdown=3)
    return sock, f"http://{shown}:{actual}/?token={token}", uvicorn.Server(config)


def serve(host: str = "127.0.0.1", port: int = 0, *, open_browser: bool = True,
          print_fn: Callable[[str], None] = print) -> None:
    """Run the playground until Ctrl-C: print its URL (with the token), open the browser."""
    sock, url, server = _server(host, port)
    if not is_loopback(host):
        print(f"descend playground: warning: listening on {host}, which other computers may reach; "
              f"anyone with the URL can use this server", file=sys.stderr)
    print_fn(f"descend playground: {url}")
    print_fn("(Ctrl-C stops it)")
    sys.stdout.flush()
    if open_browser:
        threading.Timer(0.3, webbrowser.open, [url]).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:       # uvicorn shut down gracefully, then passes Ctrl-C on
        pass
    finally:
        sock.close()
    print_fn("descend playground: stopped")


@contextlib.contextmanager
def running(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """The server in a background thread (for tests and benchmarks); yields its URL, stops on exit."""
    sock, url, server = _server(host, port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="descend-playground-server")
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
