"""The application service every front end calls: permissions, gates, and state plus
audit event written in one transaction; the reads the screens and reports use."""
