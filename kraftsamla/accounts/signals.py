"""Hooks other apps react to, so accounts never imports the apps that build on it."""

from django.dispatch import Signal

# Sent inside the accepting transaction with `invitation` and `user` (the new or
# existing account); a receiver's failure rolls the acceptance back.
invitation_accepted = Signal()
