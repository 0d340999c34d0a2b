"""descend.playground.session: the messages, checked, and a tab's session over Starlette's TestClient
WebSocket."""
import contextlib
import json

import numpy as np
import pytest
from starlette.testclient import TestClient

from descend.playground import config as cfg
from descend.playground.engine import Engine
from descend.playground.server import create_app
from descend.playground.session import MAX_MESSAGE, parse

TOKEN = "t0ken"


@pytest.mark.parametrize(("text", "error", "words"), [
    ("not json", ValueError, "not JSON"),
    ("[1, 2]", TypeError, "JSON object"),
    ('{"type": "fly"}', ValueError, "unknown command 'fly'"),
    ('{"type": "run"}', ValueError, "'epochs' is missing"),
    ('{"type": "run", "epochs": "ten"}', TypeError, "run.epochs"),
    ('{"type": "run", "epochs": 0}', ValueError, "run.epochs"),
    ('{"type": "play", "now": true}', ValueError, "unexpected field"),
    ('{"type": "explain", "param": -1, "index": 0, "point": 0}', ValueError, "explain.param"),
    ('{"type": "set_weight", "param": 0, "index": 0, "value": 1e300}', ValueError, "set_weight.value"),
    ('{"type": "export", "what": "pdf"}', ValueError, "export.what"),
    ('{"type": "config", "config": 3}', TypeError, "config.config"),
    ('{"type": "upload", "csv": 3}', TypeError, "upload.csv"),
])
def test_parse_refuses_malformed_messages(text, error, words):
    with pytest.raises(error, match=words):
        parse(text)


def test_parse_refuses_huge_and_non_text():
    with pytest.raises(ValueError, match="at most"):
        parse(" " * (MAX_MESSAGE + 1))
    with pytest.raises(TypeError, match="JSON text"):
        parse(b"{}")
    assert parse('{"type": "run", "epochs": 3}') == {"type": "run", "epochs": 3}


@pytest.fixture
def client():
    with TestClient(create_app(TOKEN, {"testserver"})) as c:
        yield c


def connect(client):
    return client.websocket_connect(f"/ws?token={TOKEN}", headers={"origin": "http://testserver"})


def until(ws, kind):
    """Messages up to (and with) the first of ``kind``; frames are acknowledged as the page does."""
    seen = []
    while True:
        msg = ws.receive_json()
        seen.append(msg)
        if msg["type"] == "frame":
            ws.send_json({"type": "ack"})
        if msg["type"] == kind:
            return msg, seen


def test_hello_data_frame_then_step_matches_the_engine(client):
    with connect(client) as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello" and hello["config"] == cfg.DEFAULTS
        assert ws.receive_json()["type"] == "data"
        first = ws.receive_json()
        assert first["type"] == "frame" and first["update"] == 0
        ws.send_json({"type": "step"})
        frame, _ = until(ws, "frame")
        assert frame["update"] == 1
        engine = Engine(cfg.validate({}))
        engine.update()
        assert frame["weights"] == [np.asarray(p, np.float64).ravel().tolist() for p in engine.model.params]


def test_play_then_pause_stops_the_updates(client):
    with connect(client) as ws:
        until(ws, "frame")
        ws.send_json({"type": "config", "config": {"speed": 3}})
        until(ws, "frame")
        ws.send_json({"type": "play"})
        frames = 0
        while frames < 10:
            frames += until(ws, "frame")[0]["type"] == "frame"
        ws.send_json({"type": "pause"})
        paused, _ = until(ws, "paused")
        assert paused["update"] >= 30
        ws.send_json({"type": "snapshot"})      # answered in order: nothing trained in between
        snap, seen = until(ws, "snapshot")
        assert snap["update"] == paused["update"]
        assert all(m["update"] <= paused["update"] for m in seen if m["type"] == "frame")


def test_a_setting_changes_at_the_next_update(client):
    with connect(client) as ws:
        until(ws, "frame")
        ws.send_json({"type": "config", "config": {"optimizer": "adam", "lr": 0.1}})
        msg, _ = until(ws, "config")
        assert msg["config"]["optimizer"] == "adam"
        until(ws, "frame")
        ws.send_json({"type": "step"})
        frame, _ = until(ws, "frame")
        engine = Engine(cfg.validate({}))
        engine.set_live(cfg.validate({"optimizer": "adam", "lr": 0.1}))
        engine.update()
        assert frame["weights"] == [np.asarray(p, np.float64).ravel().tolist() for p in engine.model.params]
        assert frame["lr"] == pytest.approx(0.1)


@pytest.mark.parametrize(("message", "words"), [
    ("garbage", "not JSON"),
    ('{"type": "config", "config": {"layers": [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]}}', "at most 10"),
    ('{"type": "config", "config": {"lr": "x"}}', "lr"),
    ('{"type": "explain", "param": 99, "index": 0, "point": 0}', "explain.param"),
    ('{"type": "set_weight", "param": 0, "index": 999, "value": 1}', "set_weight.index"),
    ('{"type": "upload", "csv": "1,2,0\\n3,x,1\\n"}', "line 2"),
])
def test_a_bad_message_gets_an_error_and_the_session_carries_on(client, message, words):
    with connect(client) as ws:
        until(ws, "frame")
        ws.send_text(message)
        error, _ = until(ws, "error")
        assert words in error["message"]
        ws.send_json({"type": "step"})
        frame, _ = until(ws, "frame")
        assert frame["update"] == 1


def test_upload_explain_export_reset_and_rewind(client):
    with connect(client) as ws:
        until(ws, "frame")
        rows = "\n".join(f"{i % 7},{i % 5 - 2},{int(i % 7 > 3)}" for i in range(40))
        ws.send_json({"type": "upload", "csv": "x1,x2,label\n" + rows})
        data, _ = until(ws, "data")
        assert len(data["y"]) == 40
        assert until(ws, "uploaded")[0]["rows"] == 40
        ws.send_json({"type": "explain", "param": 0, "index": 1, "point": 2})
        explain, _ = until(ws, "explain")
        assert explain["name"] == "w₁₂⁽¹⁾" and explain["text"].startswith("∂E/∂w₁₂⁽¹⁾ =")
        ws.send_json({"type": "export", "what": "script"})
        script, _ = until(ws, "export")
        assert script["filename"].endswith(".py") and "Sequential([" in script["data"]
        ws.send_json({"type": "step"})
        ws.send_json({"type": "snapshot"})
        ws.send_json({"type": "step"})
        ws.send_json({"type": "rewind"})
        ws.send_json({"type": "set_weight", "param": 0, "index": 0, "value": 0.5})
        frame, _ = until(ws, "frame")
        while frame["weights"][0][0] != 0.5:
            frame, _ = until(ws, "frame")
        assert frame["update"] == 1
        ws.send_json({"type": "reset", "new_weights": False})
        frame, _ = until(ws, "frame")
        assert frame["update"] == 0


def test_run_n_epochs_and_target_loss(client):
    with connect(client) as ws:
        until(ws, "frame")
        ws.send_json({"type": "run", "epochs": 2})
        stopped, seen = until(ws, "stopped")
        assert "epochs" in stopped["reason"]
        frame, _ = until(ws, "frame")
        assert frame["epoch"] == 2
        ws.send_json({"type": "config", "config": {"target_loss": 0.68}})
        ws.send_json({"type": "play"})
        stopped, _ = until(ws, "stopped")
        assert "target" in stopped["reason"]
        frame, _ = until(ws, "frame")
        assert frame["train_loss"] <= 0.68


def test_divergence_is_reported_not_silent(client):
    with connect(client) as ws:
        until(ws, "frame")
        ws.send_json({"type": "config", "config": {"dataset": "reg-plane", "output": "linear", "lr": 1.0,
                                                   "batch_size": 0, "speed": 50}})
        until(ws, "frame")
        ws.send_json({"type": "play"})
        diverged, _ = until(ws, "diverged")
        assert diverged["update"] >= 1 and "diverged" in diverged["message"]
        frame, _ = until(ws, "frame")
        assert frame["update"] == diverged["update"] - 1 and frame["playing"] is False


def test_ten_tabs_at_once_and_closing_frees_the_sessions(client):
    app = client.app.app
    with contextlib.ExitStack() as stack:
        tabs = [stack.enter_context(connect(client)) for _ in range(10)]
        for ws in tabs:
            until(ws, "frame")
        assert len(app.state.sessions) == 10
        for ws in tabs:
            ws.send_json({"type": "step"})
        for ws in tabs:
            assert until(ws, "frame")[0]["update"] == 1
        threads = [s.thread for s in app.state.sessions]
    for t in threads:
        t.join(30)          # at once, unless a first update is still compiling its kernels
    assert not any(t.is_alive() for t in threads)
    assert not app.state.sessions


def test_messages_are_json_without_nan(client):
    with connect(client) as ws:
        hello = ws.receive_text()
        assert json.loads(hello)["catalogue"]["limits"]["units"] == 64


def test_the_schedule_is_drawn_ahead_of_the_current_step(client):
    with connect(client) as ws:
        until(ws, "frame")
        ws.send_json({"type": "config", "config": {"schedule": "staircase", "decay_steps": 10,
                                                   "batch_size": 1, "decay_rate": 0.5}})
        schedule, _ = until(ws, "schedule")
        assert schedule["steps"][-1] == 100 and schedule["lr"][0] == 0.03
        assert schedule["lr"][-1] == pytest.approx(0.03 * 0.5 ** 10)
        ws.send_json({"type": "epoch"})                   # 250 updates: past the curve drawn so far
        later, seen = until(ws, "schedule")
        assert later["steps"][-1] >= 500
        assert [m["type"] for m in seen][-1] == "schedule"


def test_an_unexpected_error_while_playing_pauses_instead_of_repeating(client, monkeypatch):
    from descend.playground.engine import Engine as RealEngine

    def broken(self, *args, **kwargs):
        raise RuntimeError("boom")

    with connect(client) as ws:
        until(ws, "frame")
        monkeypatch.setattr(RealEngine, "run", broken)
        ws.send_json({"type": "play"})
        error, _ = until(ws, "error")
        assert "internal error: RuntimeError: boom" in error["message"]
        monkeypatch.undo()
        ws.send_json({"type": "snapshot"})           # the next message: no flood of errors before it
        snap, seen = until(ws, "snapshot")
        assert all(m["type"] != "error" for m in seen) and snap["update"] == 0
