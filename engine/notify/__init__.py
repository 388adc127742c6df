"""Notifications: an outbox with at-least-once delivery to the in-app inbox and to group robots."""
