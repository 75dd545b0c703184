"""workflow: a state-machine tracker for township Party committee re-elections."""

__version__ = "0.1.0"
