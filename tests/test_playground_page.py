"""The playground's page in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Under CI=true a missing browser or Playwright fails these tests (tests/conftest.py turns the skip, made in
each test's set-up, into a failure); ``make test`` installs Debian's chromium when it is missing and it runs
as root.
"""
import shutil

import numpy as np
import pytest

import descend
from descend.playground import config as cfg
from descend.playground.engine import Engine

CHROMIUM = shutil.which("chromium")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def server_url():
    from descend.playground.server import running

    with running() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    # skipped here, in each test's set-up (not at collection), so that CI=true turns it into a failure
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A tab on the playground, recording console errors and every request it makes."""

    def __init__(self, browser, url, hash_=""):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.errors, self.requests = [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url + hash_)
        self.wait("window.pg && pg.framesDrawn > 0 && pg.config !== null")

    def wait(self, expression, arg=None):
        self.page.wait_for_function(expression, arg=arg, timeout=TIMEOUT)

    def eval(self, expression, arg=None):
        return self.page.evaluate(expression, arg)

    def update(self):
        return self.eval("pg.frame.update")

    def step(self):
        n = self.update()
        self.page.click("#step")
        self.wait("n => pg.frame.update === n + 1", n)

    def weights(self):
        return self.eval("pg.frame.weights")

    def close(self):
        self.page.close()


@pytest.fixture
def tab(browser, server_url):
    tabs = []

    def open_(hash_=""):
        t = Page(browser, server_url, hash_)
        tabs.append(t)
        return t

    yield open_
    for t in tabs:
        t.close()


def engine_weights(engine):
    return [np.asarray(p, np.float64).ravel().tolist() for p in engine.model.params]


def test_the_page_loads_without_errors_or_outside_requests(tab, server_url, tmp_path):
    t = tab()
    shot = tmp_path / "page.png"
    t.page.screenshot(path=shot)
    assert shot.read_bytes()[:4] == b"\x89PNG"
    base = server_url.split("?")[0]
    assert not t.errors
    local = (base, base.replace("http://", "ws://"), "blob:", "data:")
    assert t.requests and all(u.startswith(local) for u in t.requests), t.requests
    assert t.page.locator("#formula").inner_text() == cfg.FORMULAS["sgd"]


def test_play_draws_frames_and_pause_stops_the_server(tab):
    t = tab()
    t.page.click("#play")
    t.wait("pg.framesDrawn >= 50")
    t.page.click("#play")
    t.wait("pg.paused !== null")
    paused = t.eval("pg.paused")
    assert paused > 0
    t.page.click("#step")            # the server did nothing in between: the next frame is paused + 1
    t.wait("n => pg.frame.update === n + 1 && !pg.frame.playing", paused)
    assert not t.errors


def test_step_one_update_is_one_update_of_the_engine(tab):
    t = tab()
    engine = Engine(cfg.validate({}))
    assert t.weights() == engine_weights(engine)
    t.step()
    engine.update()
    assert t.weights() == engine_weights(engine)


def test_a_setting_change_takes_effect(tab):
    t = tab()
    t.page.select_option("#optimizer", "adam")
    t.wait("pg.config.optimizer === 'adam'")
    t.page.fill("#lr", "0.1")
    t.page.dispatch_event("#lr", "change")
    t.wait("pg.config.lr === 0.1")
    assert "m̂" in t.page.locator("#formula").inner_text()
    t.step()
    engine = Engine(cfg.validate({}))
    engine.set_live(cfg.validate({"optimizer": "adam", "lr": 0.1}))
    engine.update()
    assert t.weights() == engine_weights(engine)


def test_the_chain_rule_of_a_clicked_weight_is_descend_explain(tab):
    t = tab()
    t.step()
    # the edge from x₂ (input 2) to the first hidden neuron
    t.page.click("#network", position=t.eval("pg.edgePoint(0, 1, 0)"))
    t.wait("pg.explain !== null")
    assert t.eval("pg.selected") == {"param": 0, "index": 4}     # kernel (2, 4): row 2 (x₂), column 1
    text = t.page.locator("#chain").inner_text()
    engine = Engine(cfg.validate({}))
    engine.update()
    expected = descend.explain(engine.model, engine.X_train[0], engine.y_train[0])["w₂₁⁽¹⁾"]
    assert text == str(expected)
    assert t.page.locator("#weight-name").inner_text() == "w₂₁⁽¹⁾"
    t.page.fill("#weight-value", "0.75")                       # editable: the engine takes the new value
    t.page.click("#weight-set")
    t.wait("pg.frame.weights[0][4] === 0.75")


def test_upload_a_good_and_a_bad_csv(tab):
    t = tab()
    good = "x1,x2,label\n" + "\n".join(f"{i % 9 - 4},{i % 7 - 3},{int(i % 9 > 4)}" for i in range(60))
    t.page.set_input_files("#upload", files=[{"name": "good.csv", "mimeType": "text/csv",
                                              "buffer": good.encode()}])
    t.wait("pg.uploaded === 60 && pg.data.y.length === 60")
    assert t.eval("pg.config.dataset") == "upload"
    bad = "x1,x2,label\n1,2,0\n3,oops,1\n"
    t.page.set_input_files("#upload", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                              "buffer": bad.encode()}])
    t.wait("pg.errors.length > 0")
    assert "line 3" in t.page.locator("#error").inner_text()
    t.step()                                                    # the session carries on, on the good data
    assert t.eval("pg.data.y.length") == 60


def test_a_url_reproduces_the_same_run(tab):
    hash_ = ("#dataset=xor&layers=3,2&activations=relu,tanh&optimizer=momentum&lr=0.05&init=he_normal"
             "&init_seed=7")
    first = tab(hash_)
    first.wait("pg.config.dataset === 'xor' && pg.data.layers.length === 4")
    for _ in range(3):
        first.step()
    second = tab(first.eval("location.hash"))
    second.wait("pg.config.dataset === 'xor' && pg.data.layers.length === 4")
    for _ in range(3):
        second.step()
    assert first.weights() == second.weights()
    engine = Engine(cfg.validate({"dataset": "xor", "layers": [3, 2], "activations": ["relu", "tanh"],
                                  "optimizer": "momentum", "lr": 0.05, "init": "he_normal", "init_seed": 7}))
    engine.run(3)
    assert first.weights() == engine_weights(engine)


def test_a_side_by_side_comparison_runs(tab):
    t = tab("#compare=optimizer:sgd,adam")
    t.wait("pg.compare.length === 2 && pg.compare.every(r => r.frame !== null)")
    t.page.click("#compare-play")
    t.wait("pg.compare.every(r => r.frame && r.frame.update > 50) && pg.compareFrames > 10")
    t.page.click("#compare-pause")
    labels = t.page.locator("#compare-panels figcaption").all_inner_texts()
    assert labels[0].startswith("optimizer = sgd") and labels[1].startswith("optimizer = adam")
    assert not t.errors


def test_a_diverging_run_shows_the_alert(tab):
    t = tab("#dataset=reg-plane&output=linear&lr=1&batch_size=0")
    t.page.click("#play")
    t.wait("pg.diverged !== null")
    alert = t.page.locator("#alert")
    assert alert.is_visible()
    text = alert.inner_text()
    assert "diverged at update" in text and "clip" in text
    t.page.click("#fix-clip")
    t.wait("pg.config.clip === 'global_norm'")
    t.page.click("#play")
    t.wait("pg.frame.update > 30")
    t.page.click("#play")
    assert t.eval("pg.frame.train_loss") is not None


def test_the_exported_script_and_model_match_the_page(tab, tmp_path):
    import base64
    import runpy

    t = tab("#optimizer=rmsprop&lr=0.01&batch_size=7")
    t.wait("pg.config.optimizer === 'rmsprop' && pg.config.batch_size === 7")
    t.page.click("#epoch")
    t.wait("pg.frame.epoch === 1")
    t.page.select_option("#optimizer", "nadam")
    t.wait("pg.config.optimizer === 'nadam'")
    t.step()
    t.page.click("#export-script")
    t.wait("pg.exports.script !== undefined")
    script = tmp_path / "run.py"
    script.write_text(t.eval("pg.exports.script.data"))
    model = runpy.run_path(str(script))["model"]
    assert [np.asarray(w, np.float64).ravel().tolist() for w in model.get_weights()] == t.weights()
    t.page.click("#export-model")
    t.wait("pg.exports.model !== undefined")
    path = tmp_path / "m.safetensors"
    path.write_bytes(base64.b64decode(t.eval("pg.exports.model.data")))
    loaded = descend.load_model(path)
    assert [np.asarray(w, np.float64).ravel().tolist() for w in loaded.get_weights()] == t.weights()


def test_classroom_mode_hides_the_chosen_controls(tab):
    t = tab("#hide=optimizer,data")
    t.wait("document.getElementById('col-data').offsetParent === null")
    assert not t.page.locator("#optimizer").is_visible()
    assert t.page.locator("#heatmap").is_visible()
    t.page.check("#classroom input[value=gradient]")
    assert "hide=optimizer%2Cdata%2Cgradient" in t.eval("location.hash") or \
        "hide=optimizer,data,gradient" in t.eval("decodeURIComponent(location.hash)")
    assert not t.page.locator("#grad-chart").is_visible()


def test_a_link_that_names_only_the_layers_gets_one_activation_each(tab):
    t = tab("#layers=6,6,6")
    t.wait("pg.config.layers.length === 3 && pg.data.layers.length === 5")
    assert t.eval("pg.config.activations") == ["tanh"] * 3 and not t.eval("pg.errors")


def test_hovering_a_neuron_enlarges_its_heatmap(tab):
    t = tab()
    assert not t.page.locator("#zoom").is_visible()
    t.page.hover("#network", position=t.eval("pg.nodePoint(1, 0)"))
    t.wait("!document.getElementById('zoom').classList.contains('hidden')")
    assert t.page.locator("#zoom").bounding_box()["width"] >= 150
    t.page.mouse.move(0, 0)
    t.wait("document.getElementById('zoom').classList.contains('hidden')")


def test_clicking_a_neuron_explains_its_bias(tab):
    t = tab()
    t.page.click("#network", position=t.eval("pg.nodePoint(2, 1)"))     # second layer, second neuron
    t.wait("pg.explain !== null")
    assert t.eval("[pg.selected.param, pg.selected.index]") == [3, 1]
    engine = Engine(cfg.validate({}))
    expected = descend.explain(engine.model, engine.X_train[0], engine.y_train[0])["b₂⁽²⁾"]
    assert t.page.locator("#chain").inner_text() == str(expected)
