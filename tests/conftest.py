"""The root of the test suite's conftest files.

It holds no fixtures.  Its being a module of the ``tests`` package is what
makes pytest (in its default ``prepend`` import mode) put the repository root
on ``sys.path`` before it imports any test, whichever directory is run: so the
directories that are not packages (``tests/emulator``, ``tests/transports``,
``tests/operations``) import `tests.reference` and the ``fuzz`` package by
their names, as the packages do.
"""
