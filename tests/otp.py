"""Codes of an authenticator app, computed from the device's key as the app would."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.models import User


def totp_code(device: TOTPDevice) -> str:
    """The code the app shows now, or the next one if now's was already used (no replay)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step  # within tolerance: django-otp accepts one step ahead
    return f"{totp.token():0{device.digits}d}"


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    """Set up an authenticator for `user` through the real service; returns it and its
    recovery codes."""
    device = mfa.pending_authenticator(user)
    codes = mfa.confirm_authenticator(user=user, code=totp_code(device))
    device.refresh_from_db()
    return device, codes
