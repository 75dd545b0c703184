"""The election's rules as plain Python: the process definition, its fields and gates,
the stage engine, timelines. No SQL, no Textual, no I/O: a test calls them with plain data."""
