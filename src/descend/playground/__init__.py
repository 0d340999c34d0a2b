"""``descend playground``: a local web app where descend's engine trains live, one session per tab.

:mod:`~descend.playground.config` (the settings and their limits), :mod:`~descend.playground.data`
(data sets, features, uploads), :mod:`~descend.playground.engine` (a run on the engine),
:mod:`~descend.playground.session` (a tab's messages and worker thread),
:mod:`~descend.playground.export` (CSV, model, script) and :mod:`~descend.playground.server`
(Starlette + uvicorn). The page is ``static/`` (plain canvas and the vendored uPlot, MIT).
Importing this package imports nothing heavy; Starlette and uvicorn load when the server starts.
"""
