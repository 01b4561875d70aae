"""Celery tasks (placeholder; filled by its owner)."""
