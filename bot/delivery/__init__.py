"""Delivery: the outbox of every message the bot owes someone, and the sender that empties it."""
