"""``python -m workflow`` runs the CLI."""

from workflow.cli import main

main()
