"""Set-up services, one module per feature: ``invitations`` (staff links), ``people`` (staff and their roles),
``schools`` (first run, a trust's schools), ``calendar`` (academic years, year groups, classes, roll-over).

Each service checks the actor, validates, writes inside a transaction with its audit event, and queues e-mail with
``transaction.on_commit`` (through ``safeguard.jobs.enqueue``) so nothing is sent for a change that rolled back.
"""
