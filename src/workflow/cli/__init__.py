"""The command line: one module per command group, registered from ``main``; the options
they share live in ``options`` (no module imports ``main`` back)."""
