"""Safeguard: the project package and the shared platform (directory, accounts, audit, permissions)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
