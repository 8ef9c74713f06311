"""The Zalo adapter: a thin Zalo Bot Platform client, its updates in and the core's answers out as plain text."""
