"""Helpers for tests of any app that sign someone in."""

import time

from safeguard.accounts import otp


def sign_in_with_second_factor(client, user):
    """Sign ``user`` in on ``client`` with a second factor verified just now (as the admin and safeguarding
    records require)."""
    client.force_login(user)
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()
    return client
