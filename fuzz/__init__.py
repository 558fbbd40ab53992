"""Coverage-guided fuzz harnesses (atheris) for every parser the network reaches.

A package, run from the repository root: ``python -m fuzz.fuzz_<name>`` runs
one harness, ``python -m fuzz.run_all`` all of them, ``python -m
fuzz.make_seeds`` writes the seeds (see ``README.md``).  The harnesses drive
the connections with the test suite's drivers (`tests.drivers`) and build
their inputs from its reference example (`tests.reference`), and the suite
replays every seed through them, so a campaign and ``make test`` check the
same invariants with the same code.  Nothing here imports atheris at import
time.
"""
