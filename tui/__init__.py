"""The Textual terminal UI (``workflow.tui``); see its own issue."""
