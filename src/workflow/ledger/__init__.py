"""The audit log: event hashing, the chains (one per township and a system chain) and
their verification."""
