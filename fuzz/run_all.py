"""Run every harness for a while, one after another, each in its own process.

    python -m fuzz.run_all --seconds 60          # what `make fuzz FUZZ_SECONDS=60` runs

Each harness starts from its seeds (``fuzz/seeds/<name>``) plus the corpus its
earlier runs grew (``fuzz/corpus-<name>``, not committed), with the token
dictionary; libFuzzer's output goes to ``fuzz/corpus-logs/<name>.log``.

One line per harness reports its executions and findings.  A finding is an
input libFuzzer saved (a crash: an exception other than the documented ones,
or a broken invariant; a timeout; running out of memory), written to
``fuzz/crash-<name>-...``.  The exit status is 1 if any harness had a
finding, so CI or a long campaign can stop on it.

Run from the repository root, where the ``fuzz`` and ``tests`` packages are;
each harness runs as ``python -m fuzz.fuzz_<name>``.  Reproduce a finding
with ``python -m fuzz.fuzz_<name> fuzz/crash-<name>-...``,
then add it to ``tests/hardening`` as a regression test.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
HARNESSES = ("client_receive", "response_body", "server_receive", "emulator", "request_encode", "get_messages")
# libFuzzer's names for the inputs it saves.
FINDING_KINDS = ("crash-", "timeout-", "oom-", "leak-", "slow-unit-")
_EXECUTED = re.compile(rb"stat::number_of_executed_units:\s*(\d+)")
_DONE = re.compile(rb"Done (\d+) runs in")


def run(name: str, seconds: int, work_dir: Path, per_input_timeout: int) -> tuple[int, list[Path]]:
    """Fuzz one harness for ``seconds``; its executions and the findings it saved."""
    corpus = work_dir / f"corpus-{name}"
    corpus.mkdir(parents=True, exist_ok=True)
    prefix = f"crash-{name}-"
    before = set(work_dir.glob(prefix + "*"))
    logs = work_dir / "corpus-logs"  # not in a corpus directory, where libFuzzer would read it as an input
    logs.mkdir(exist_ok=True)
    log = logs / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        f"fuzz.fuzz_{name}",
        f"-max_total_time={seconds}",
        f"-timeout={per_input_timeout}",
        "-rss_limit_mb=2048",
        "-print_final_stats=1",
        f"-dict={FUZZ_DIR / 'chatproto.dict'}",
        f"-artifact_prefix={work_dir / prefix}",
        str(corpus),
        str(FUZZ_DIR / "seeds" / name),
    ]
    with log.open("wb") as output:
        completed = subprocess.run(
            command, cwd=FUZZ_DIR.parent, stdout=output, stderr=subprocess.STDOUT, timeout=seconds + 300, check=False
        )
    text = log.read_bytes()
    match = _EXECUTED.search(text) or _DONE.search(text)
    executions = int(match.group(1)) if match else 0
    findings = sorted(
        path for path in set(work_dir.glob(prefix + "*")) - before if path.name[len(prefix) :].startswith(FINDING_KINDS)
    )
    if completed.returncode != 0 and not findings:
        findings = [log]  # it failed without saving an input: the log says why
    return executions, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz each harness (default 60)")
    parser.add_argument("--only", nargs="+", choices=HARNESSES, help="run only these harnesses")
    parser.add_argument(
        "--work-dir", type=Path, default=FUZZ_DIR, help="where corpora, logs and findings go (default: fuzz/)"
    )
    parser.add_argument("--timeout", type=int, default=30, help="seconds one input may take (default 30)")
    options = parser.parse_args(argv)

    failed = False
    for name in options.only or HARNESSES:
        started = time.monotonic()
        executions, findings = run(name, options.seconds, options.work_dir.resolve(), options.timeout)
        elapsed = time.monotonic() - started
        line = f"{name:<16} executions={executions:<9} seconds={elapsed:<6.0f} findings={len(findings)}"
        print(line + "".join(f"\n    {path}" for path in findings), flush=True)
        failed = failed or bool(findings)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
