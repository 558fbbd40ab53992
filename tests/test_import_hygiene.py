"""The sans-IO core touches no socket, clock, RNG, thread, logger or event loop.

Two checks: the source of every module of ``chatproto`` imports none of the
forbidden modules (statically, with the AST, so a lazy import inside a
function is caught too), and importing ``chatproto`` in a fresh interpreter
loads none of them beyond what its dependencies, msgspec and h11, load for
themselves.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import chatproto

PACKAGE = Path(chatproto.__file__).resolve().parent
MODULES = sorted(PACKAGE.rglob("*.py"))

FORBIDDEN = frozenset(
    {
        "socket",
        "ssl",
        "select",
        "selectors",
        "asyncio",
        "anyio",
        "trio",
        "threading",
        "_thread",
        "time",
        "random",
        "uuid",
        "secrets",
        "logging",
        "transports",
        "sniffio",
        "subprocess",
        "multiprocessing",
        "concurrent",
    }
)
# Never loaded at all after `import chatproto`, whoever would import them.
NEVER_LOADED = frozenset(
    {
        "socket",
        "ssl",
        "select",
        "selectors",
        "asyncio",
        "anyio",
        "trio",
        "threading",
        "logging",
        "random",
        "secrets",
        "transports",
    }
)


def imported_modules(tree: ast.AST) -> set[str]:
    """Top-level names of every module an import statement or a dynamic import names."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call):
            function = node.func
            dotted = ast.unparse(function)
            if dotted in ("__import__", "importlib.import_module", "import_module") and node.args:
                target = node.args[0]
                names.add(target.value.split(".")[0] if isinstance(target, ast.Constant) else "<dynamic>")
    return names


def test_the_package_has_modules_to_check() -> None:
    names = {path.name for path in MODULES}
    assert {"__init__.py", "_client.py", "_server.py", "_session.py", "_http.py", "_codec.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=[path.relative_to(PACKAGE).as_posix() for path in MODULES])
def test_no_module_imports_a_forbidden_module(path: Path) -> None:
    names = imported_modules(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    assert not names & FORBIDDEN, f"{path.name} imports {sorted(names & FORBIDDEN)}"
    assert "<dynamic>" not in names, f"{path.name} imports a module whose name is computed"


def test_the_ast_check_catches_every_kind_of_import() -> None:
    source = (
        "import socket\nfrom time import monotonic\nimport os.path\ndef f():\n    import ssl\n    __import__('uuid')\n"
    )
    assert imported_modules(ast.parse(source)) == {"socket", "time", "os", "ssl", "uuid"}
    assert imported_modules(ast.parse("from . import _x\nimportlib.import_module(name)")) == {"<dynamic>"}


def loaded_after(*statements: str) -> set[str]:
    """The modules in ``sys.modules`` of a fresh interpreter after running ``statements``."""
    code = "; ".join([*statements, "import json, sys", "print(json.dumps(sorted(sys.modules)))"])
    # json itself is imported after the measured statements, so measure it in the baseline too.
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(result.stdout))


def test_importing_chatproto_loads_no_forbidden_module_of_its_own() -> None:
    dependencies = loaded_after("import msgspec, h11")
    core = loaded_after("import chatproto")
    # What chatproto loads that its dependencies do not: none of it forbidden.
    assert not (core - dependencies) & FORBIDDEN, sorted((core - dependencies) & FORBIDDEN)
    # And these are loaded by nobody at all.
    assert not core & NEVER_LOADED, sorted(core & NEVER_LOADED)
    assert "chatproto._client" in core  # the measurement did import the package


def test_the_forbidden_modules_that_are_loaded_come_from_the_dependencies() -> None:
    """A precise record: ``time`` is loaded by the interpreter itself and ``uuid`` by msgspec."""
    bare = loaded_after()
    dependencies = loaded_after("import msgspec, h11")
    core = loaded_after("import chatproto")
    assert core & FORBIDDEN <= (dependencies & FORBIDDEN) | (bare & FORBIDDEN)
