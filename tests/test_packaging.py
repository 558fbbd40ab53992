"""What ``pip install chatproto`` gives: the built sdist and wheel, and a fresh environment without trio.

The sdist and the wheel are built once for this module with ``python -m
build`` (the wheel from the sdist, as an installer from the index would get
it), with the hatchling of the test extra.  The fresh environment is a new ``python -m venv`` holding that wheel, the
dependencies it declares (as ``pip install chatproto`` resolves them) and
pytest, so nothing of the developers' environment, trio above all, is in it.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest

import chatproto as cp

ROOT = Path(__file__).resolve().parents[1]
LICENSE = (ROOT / "LICENSE").read_bytes()
TRIO_MESSAGE = "transports.trio needs trio: pip install 'chatproto[trio]'"
#: Building and installing reach only the local package index, but leave room for a slow machine.
TIMEOUT = 300


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path


def run(argv: list[str], *, cwd: Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    # No PYTHONPATH or virtual environment of ours leaks into the child.
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    # The backend of the test extra, not a fresh isolated one per build: build still checks it is
    # the one pyproject.toml requires.
    result = run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)], cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
    [sdist] = out.glob("chatproto-*.tar.gz")
    [wheel] = out.glob("chatproto-*.whl")
    return Built(sdist, wheel)


# -- LICENSE -----------------------------------------------------------------------------------------


def test_the_license_is_mit_as_the_metadata_says() -> None:
    text = LICENSE.decode()
    assert text.startswith("MIT License\n\nCopyright (c) the chatproto authors\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'license = "MIT"\nlicense-files = ["LICENSE"]\n' in pyproject


def test_the_sdist_ships_the_license(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        top = built.sdist.name.removesuffix(".tar.gz")
        member = sdist.extractfile(f"{top}/LICENSE")
        assert member is not None
        assert member.read() == LICENSE
        metadata = sdist.extractfile(f"{top}/PKG-INFO")
        assert metadata is not None
        headers = Parser().parsestr(metadata.read().decode())
    assert headers["License-Expression"] == "MIT"
    assert headers.get_all("License-File") == ["LICENSE"]


def wheel_metadata(wheel: Path) -> tuple[zipfile.ZipFile, str]:
    archive = zipfile.ZipFile(wheel)
    [dist_info] = {name.split("/")[0] for name in archive.namelist() if ".dist-info/" in name}
    return archive, dist_info


def test_the_wheel_ships_the_license(built: Built) -> None:
    archive, dist_info = wheel_metadata(built.wheel)
    with archive:
        assert archive.read(f"{dist_info}/licenses/LICENSE") == LICENSE
        headers = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    assert headers["License-Expression"] == "MIT"
    assert headers.get_all("License-File") == ["LICENSE"]


# -- what a plain install depends on -------------------------------------------------------------------


def test_a_plain_install_depends_on_msgspec_h11_and_anyio_only(built: Built) -> None:
    archive, dist_info = wheel_metadata(built.wheel)
    with archive:
        headers = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    requirements = headers.get_all("Requires-Dist") or []
    plain = sorted(requirement for requirement in requirements if "extra ==" not in requirement)
    assert plain == ["anyio>=4.7", "h11>=0.16", "msgspec>=0.19"]
    assert [r for r in requirements if r.endswith("extra == 'trio'")] == ["trio>=0.26; extra == 'trio'"]
    # The anyio extra is kept, empty, so older install lines still work without a warning.
    assert "anyio" in (headers.get_all("Provides-Extra") or [])
    assert [r for r in requirements if r.endswith("extra == 'anyio'")] == []


# -- transports.trio without trio, in this process ---------------------------------------------------------


def test_transports_trio_without_trio_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trio", None)  # an import of trio fails as if it were not installed
    monkeypatch.delitem(sys.modules, "transports.trio", raising=False)
    with pytest.raises(ImportError) as raised:
        importlib.import_module("transports.trio")
    assert type(raised.value) is ModuleNotFoundError
    assert str(raised.value) == TRIO_MESSAGE
    assert raised.value.name == "trio"


def test_the_pytest_plugin_loads_without_anyio_or_trio(tmp_path: Path) -> None:
    # pytest loads the plugin in every run of an environment that has chatproto: loading it
    # must need nothing an install may lack, nor load the emulator before a fixture asks.
    script = (
        "import sys\n"
        "sys.modules['trio'] = sys.modules['anyio'] = None\n"
        "import transports.pytest_plugin as plugin\n"
        "print(sorted(name for name in ('chat_emulator', 'chat_emulator_server') if hasattr(plugin, name)))\n"
        "print('transports.emulator' in sys.modules, 'chatproto.emulator' in sys.modules)\n"
    )
    result = run([sys.executable, "-c", script], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['chat_emulator', 'chat_emulator_server']\nFalse False\n"


# -- a fresh environment: pip install chatproto, without trio ---------------------------------------------


@dataclass(frozen=True)
class Fresh:
    bin: Path
    root: Path

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return run([str(self.bin / argv[0]), *argv[1:]], cwd=self.root)


@pytest.fixture(scope="module")
def fresh(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Fresh:
    root = tmp_path_factory.mktemp("fresh")
    venv = root / "venv"
    # Without a pip of its own (ensurepip is the slow part): this environment's pip installs into it.
    created = run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=root)
    assert created.returncode == 0, created.stderr
    python = str(venv / "bin" / "python")
    # The wheel with the dependencies it declares, as `pip install chatproto` resolves them, and pytest.
    installed = run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", str(built.wheel), "pytest"], cwd=root
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return Fresh(venv / "bin", root)


def test_the_fresh_environment_has_no_trio(fresh: Fresh) -> None:
    result = fresh.run("python", "-c", "import importlib.util; print(importlib.util.find_spec('trio'))")
    assert result.stdout == "None\n", result.stderr


def test_demo_in_a_plain_install(fresh: Fresh) -> None:
    result = fresh.run("chatproto", "demo")
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for label in ("sync", "anyio on asyncio"):
        assert any(line.strip().startswith(f"{label} ") and "200 OK" in line for line in lines), result.stdout
    assert [line for line in lines if "trio" in line] == [
        "  skipped anyio on trio and trio: trio is not installed (pip install 'chatproto[trio]')"
    ]
    assert lines[-1] == "demo passed: 2 transports posted, each message recorded exactly once."


def test_the_wheel_ships_the_chat_page(built: Built, fresh: Fresh) -> None:
    names = set(zipfile.ZipFile(built.wheel).namelist())
    assert {f"transports/chat_page/{name}" for name in ("index.html", "page.css", "page.js")} <= names
    # Installed, the emulator serves it from the package.
    script = "from transports.chat_page import page_files; print(sorted(page_files()))"
    result = fresh.run("python", "-c", script)
    assert result.stdout == "['/', '/page.css', '/page.js']\n", result.stderr


def test_import_transports_trio_in_a_plain_install(fresh: Fresh) -> None:
    result = fresh.run("python", "-c", "import transports.trio")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"ModuleNotFoundError: {TRIO_MESSAGE}"
    caught = fresh.run(
        "python",
        "-c",
        "try:\n    import transports.trio\nexcept ImportError as exc:\n    print(type(exc).__name__, exc.name, exc)",
    )
    assert caught.stdout == f"ModuleNotFoundError trio {TRIO_MESSAGE}\n", caught.stderr


def test_the_command_in_a_plain_install(fresh: Fresh) -> None:
    version = fresh.run("chatproto", "--version")
    assert (version.returncode, version.stdout) == (0, f"chatproto {cp.__version__}\n")
    trio_backend = fresh.run("chatproto", "emulator", "--port", "0", "--backend", "trio")
    assert (trio_backend.returncode, trio_backend.stdout) == (2, "")
    assert trio_backend.stderr == (
        "chatproto emulator: error: argument --backend: trio is not installed: pip install 'chatproto[trio]' "
        "(see chatproto emulator --help)\n"
    )


def readme_fixture_example() -> str:
    """The README's example of the chat_emulator fixture, as a user would paste it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    [example] = [block for block in text.split("```python\n")[1:] if "def test_my_bot(chat_emulator" in block]
    return example.split("```")[0]


def test_the_fixture_in_a_plain_install(fresh: Fresh) -> None:
    tests = fresh.root / "user_tests"
    tests.mkdir()
    # The README's example, and a test that uses no fixture: the plugin, loaded by its entry point
    # in every run, must not be in its way.
    example = readme_fixture_example()
    (tests / "test_bot.py").write_text(example + "\n\ndef test_plain() -> None:\n    pass\n")
    result = run(
        [str(fresh.bin / "python"), "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider", "test_bot.py"],
        cwd=tests,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{example.count('def test_') + 1} passed" in result.stdout  # the README's tests, and the plain one
