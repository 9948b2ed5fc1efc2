"""Signed webhooks for v1 jobs (Standard Webhooks): an outbox row per finished job, delivered
by a task of its own, retried with backoff for about a day."""
