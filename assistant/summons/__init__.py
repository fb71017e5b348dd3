"""Summons: jury pools, the draw by lot, notices through a durable outbox, replies."""
