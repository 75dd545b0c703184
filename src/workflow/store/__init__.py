"""Storage: the tables, the one connection and transaction helper with the one mapping
from driver and OS errors to the project's errors, and the migrations."""
