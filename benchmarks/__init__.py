"""descend's benchmark suite (issue 6): descend against PyTorch CPU and scikit-learn, in one process.

Run ``python -m benchmarks`` (or ``make bench``); ``--quick`` for a smoke run, ``--only W1,W3`` to
pick workloads. See ``benchmarks/README.md`` for the workloads, the latest table and the profiles.
Benchmarks are not tests: nothing here is asserted, every number is reported.
"""
