"""Hooks other apps subscribe to, so that `accounts` imports none of them."""

from django.dispatch import Signal

# Sent with `organization=`: each app creates its missing defaults (idempotently).
organization_defaults_requested = Signal()

# Sent by `seed_demo` with `organization=` and `memberships=` (the demo people):
# each app adds its believable demo data, idempotently.
demo_data_requested = Signal()
