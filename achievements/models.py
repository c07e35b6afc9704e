"""Positive behaviour: praise and achievement points recorded as quickly as incidents, shown beside them
(issue 16 item 6)."""
