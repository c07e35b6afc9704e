"""Notification preferences: immediate e-mail or a daily digest for alerts and actions;
safeguarding alerts stay immediate
(issue 16 item 8)."""
