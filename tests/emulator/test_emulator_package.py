"""How ``chatproto.emulator`` is built: one face, rooms that import one way, one error body,
and defaults defined once that the server loop and the command line read.

The import checks read the modules' source (with the AST), so an import
inside a function or under ``TYPE_CHECKING`` counts as much as one at the top.
"""

from __future__ import annotations

import ast
import graphlib
import inspect
from pathlib import Path

import msgspec
import pytest

import chatproto as cp
import chatproto.emulator as emulator_package
from chatproto.emulator import (
    DEFAULT_ACCOUNT,
    DEFAULT_BACKEND,
    DEFAULT_FAULT_DELAY_MS,
    DEFAULT_HOST,
    DEFAULT_LIMITS,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_ENGAGEMENTS,
    DEFAULT_MAX_MESSAGES,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_MAX_STORED_BYTES,
    DEFAULT_POLL_HOLD_MS,
    DEFAULT_POOL,
    DEFAULT_PORT,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SITE,
    DEFAULT_SITES,
    DEFAULT_WRITE_TIMEOUT,
    NO_FAULTS,
    Emulator,
    FaultPlan,
)
from transports import cli
from transports import emulator as server_loop

CORE = Path(cp.__file__).resolve().parent
PACKAGE = Path(emulator_package.__file__).resolve().parent
#: The package's modules, each allowed to import only those before it.
LAYERS = (
    "_defaults",
    "_types",
    "_serving",
    "_faults",
    "_messages",
    "_store",
    "_site",
    "_agent",
    "_page",
    "_control",
    "_state",
)
#: What ``chatproto.emulator`` exported before it became a package; it still does.
EXPORTED_BEFORE = (
    "DEFAULT_POOL",
    "DEFAULT_SITE",
    "Emulator",
    "EmulatorError",
    "EngagementCreated",
    "ErrorBody",
    "Fault",
    "FaultPlan",
    "Reply",
    "SessionInfo",
)


def package_imports(source: str, submodules: frozenset[str]) -> set[str]:
    """What a module of the package imports from it: submodule names, and ``__init__`` for the face."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is not None:
                names.add(node.module.split(".")[0])
            else:  # from . import x: a submodule, or a name of the face
                names.update(alias.name if alias.name in submodules else "__init__" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "chatproto.emulator":
                names.add("__init__")
            elif node.module.startswith("chatproto.emulator."):
                names.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "chatproto.emulator":
                    names.add("__init__")
                elif alias.name.startswith("chatproto.emulator."):
                    names.add(alias.name.split(".")[2])
    return names


def import_graph() -> dict[str, set[str]]:
    modules = {path.stem: path for path in PACKAGE.glob("*.py")}
    submodules = frozenset(modules)
    return {name: package_imports(path.read_text(encoding="utf-8"), submodules) for name, path in modules.items()}


# -- no cycle ------------------------------------------------------------------------------------


def test_the_package_has_exactly_the_rooms_in_order() -> None:
    assert set(import_graph()) == {"__init__", *LAYERS}
    assert not any(PACKAGE.glob("*/__init__.py")), "a sub-subpackage the layer check does not see"


def test_the_imports_of_the_package_have_no_cycle() -> None:
    # static_order raises CycleError for a cycle, through TYPE_CHECKING imports too.
    order = list(graphlib.TopologicalSorter(import_graph()).static_order())
    assert order[-1] == "__init__"


@pytest.mark.parametrize("module", LAYERS)
def test_each_room_imports_only_the_rooms_before_it(module: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(module)])
    imports = import_graph()[module]
    assert "__init__" not in imports, f"{module} imports the face"
    assert imports <= allowed, f"{module} imports {sorted(imports - allowed)}, which come after it"


def test_the_state_hands_control_requests_to_the_control_surface() -> None:
    # The edge the old cycle ran both ways: now only state -> control.
    graph = import_graph()
    assert "_control" in graph["_state"]
    assert "_state" not in graph["_control"]


def test_the_rest_of_the_core_does_not_import_the_emulator() -> None:
    for path in CORE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                target = "." * node.level + (node.module or "")
                named = [alias.name for alias in node.names]
                assert not target.startswith((".emulator", "chatproto.emulator")), path.name
                assert not (target == "." and "emulator" in named), path.name


def test_the_import_check_sees_every_kind_of_package_import() -> None:
    source = (
        "from ._state import Emulator\n"
        "from . import _faults, Reply\n"
        "from .. import _limits\n"
        "from .._server import ErrorBody\n"
        "if TYPE_CHECKING:\n    from chatproto.emulator._types import SessionInfo\n"
        "def f():\n    import chatproto.emulator\n"
    )
    assert package_imports(source, frozenset({"_state", "_faults", "_types"})) == {
        "_state",
        "_faults",
        "_types",
        "__init__",
    }


# -- the face ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXPORTED_BEFORE)
def test_the_face_exports_what_the_module_did(name: str) -> None:
    assert name in emulator_package.__all__
    value = getattr(emulator_package, name)
    if isinstance(value, type):
        assert value.__module__ == "chatproto.emulator", f"{name}.__module__ is {value.__module__}"


def test_every_name_of_the_face_resolves() -> None:
    assert len(set(emulator_package.__all__)) == len(emulator_package.__all__)
    for name in emulator_package.__all__:
        assert getattr(emulator_package, name) is not None, name


# -- one error body ------------------------------------------------------------------------------


def error_body_classes() -> list[str]:
    """Every struct in the core with the fields ``exception_code`` and ``message``."""
    found = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                fields = {
                    item.target.id
                    for item in node.body
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                }
                if {"exception_code", "message"} <= fields:
                    found.append(f"{path.relative_to(CORE).as_posix()}:{node.name}")
    return found


def test_the_core_defines_one_error_body() -> None:
    assert error_body_classes() == ["_server.py:ErrorBody"]


def test_the_emulator_and_the_connection_send_the_same_error_body() -> None:
    conn = cp.ServerConnection()
    conn.receive_data(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
    assert isinstance(conn.next_event(), cp.HTTPRequestReceived)
    sent = conn.send_error(404, "NOT_FOUND", "no resource at '/nowhere'")
    assert sent.endswith(b'\r\n\r\n{"exceptionCode":"NOT_FOUND","message":"no resource at \'/nowhere\'"}')

    reply = Emulator().handle(cp.HTTPRequestReceived("GET", "/nowhere", "", (), b""), now_ms=0)
    assert type(reply.body) is emulator_package.ErrorBody
    assert sent.endswith(b"\r\n\r\n" + msgspec.json.encode(reply.body))


# -- defaults, defined once ----------------------------------------------------------------------


def defaults_of(function: object) -> dict[str, object]:
    parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def test_the_emulator_takes_its_defaults_from_the_core() -> None:
    assert defaults_of(Emulator) == {
        "sites": DEFAULT_SITES,
        "pool": DEFAULT_POOL,
        "session_id_factory": None,
        "token_factory": None,
        "faults": NO_FAULTS,
        "accounts": (DEFAULT_ACCOUNT,),
        "strict": False,
        "poll_hold_ms": DEFAULT_POLL_HOLD_MS,
        "max_sessions": DEFAULT_MAX_SESSIONS,
        "max_engagements": DEFAULT_MAX_ENGAGEMENTS,
        "max_messages": DEFAULT_MAX_MESSAGES,
        "max_stored_bytes": DEFAULT_MAX_STORED_BYTES,
    }
    assert DEFAULT_SITES == (DEFAULT_SITE,)
    assert Emulator().sites == DEFAULT_SITES
    assert FaultPlan().delay_ms == DEFAULT_FAULT_DELAY_MS
    assert FaultPlan() == NO_FAULTS
    assert not NO_FAULTS.active


def test_the_server_loop_takes_its_defaults_from_the_core() -> None:
    # transports.emulator still exports its DEFAULT_* names: the core's own objects.
    for name in (
        "DEFAULT_HOST",
        "DEFAULT_PORT",
        "DEFAULT_REQUEST_TIMEOUT",
        "DEFAULT_WRITE_TIMEOUT",
        "DEFAULT_MAX_CONNECTIONS",
    ):
        assert name in server_loop.__all__
        assert getattr(server_loop, name) is getattr(emulator_package, name)
    assert defaults_of(server_loop.EmulatorServer) == {
        "emulator": None,
        "host": DEFAULT_HOST,
        "port": 0,  # a free port: the loop serves tests and the demo; the command serves DEFAULT_PORT
        "request_timeout": DEFAULT_REQUEST_TIMEOUT,
        "write_timeout": DEFAULT_WRITE_TIMEOUT,
        "limits": None,
        "max_connections": None,  # DEFAULT_MAX_CONNECTIONS, lowered to fit the open-file limit
        "log": None,  # quiet: only the command logs by default
    }
    assert server_loop.EmulatorServer().max_connections == server_loop.connection_cap(
        DEFAULT_MAX_CONNECTIONS, server_loop.soft_descriptor_limit()
    )
    assert server_loop.EmulatorServer().max_connections <= DEFAULT_MAX_CONNECTIONS
    assert server_loop.EmulatorServer().limits is DEFAULT_LIMITS
    assert cp.Limits() == DEFAULT_LIMITS  # the connection's own bounds
    assert defaults_of(server_loop.BackgroundEmulator)["backend"] == DEFAULT_BACKEND


def test_the_cli_defaults_are_the_cores() -> None:
    args = cli._parser().parse_args(["emulator"])
    assert args.host == DEFAULT_HOST
    assert args.port == DEFAULT_PORT
    assert args.sites is None  # and then the emulator serves DEFAULT_SITES
    assert args.pool == DEFAULT_POOL
    assert args.request_timeout == DEFAULT_REQUEST_TIMEOUT
    assert args.write_timeout == DEFAULT_WRITE_TIMEOUT
    assert args.max_connections is None  # and then the server loop's own default
    assert args.max_stored_bytes == DEFAULT_MAX_STORED_BYTES
    assert args.quiet is False  # the command logs a line per request, as python -m http.server does
    assert args.strict is False
    assert args.poll_hold_ms == DEFAULT_POLL_HOLD_MS
    assert args.backend == DEFAULT_BACKEND
    # One option per field of the fault plan, each defaulting to no fault.
    for field in msgspec.structs.fields(FaultPlan):
        assert getattr(args, f"fault_{field.name}") == getattr(NO_FAULTS, field.name), field.name


def test_the_cli_help_shows_the_cores_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["emulator", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for default in (
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_SITE,
        DEFAULT_POOL,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_WRITE_TIMEOUT,
        DEFAULT_MAX_STORED_BYTES,
        DEFAULT_POLL_HOLD_MS,
    ):
        assert f"(default: {default})" in text, default
    assert f"how late (default: {DEFAULT_FAULT_DELAY_MS})" in text
    assert f"(default: {DEFAULT_MAX_CONNECTIONS}, lowered to fit the open-file limit)" in text
