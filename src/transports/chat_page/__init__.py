"""The emulator's chat page: plain HTML, CSS and a small script, shipped in the package.

`EmulatorServer` reads them here once it serves and hands them to its `Emulator`
(`Emulator.set_page_files`), which answers ``/``, ``/page.css`` and ``/page.js``
with them: the core reads no files itself.
"""

from __future__ import annotations

import importlib.resources

from chatproto.emulator import PAGE_FILES


def page_files() -> dict[str, bytes]:
    """The page's files by the path they are served at (`chatproto.emulator.PAGE_FILES`)."""
    root = importlib.resources.files(__name__)
    return {path: root.joinpath(name).read_bytes() for path, (name, _) in PAGE_FILES.items()}
