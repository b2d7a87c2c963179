"""Optional TOTP two-factor sign-in for admins and managers (django-otp's TOTP devices).

Why django-otp and not allauth's MFA: sign-in here is Django's own `LoginView`; allauth
would replace the whole account flow (its own login, reset and templates) to get MFA,
while django-otp adds only a device model and verification on top of what we have.
"""

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.models import User

DEVICE_NAME = "Authenticator app"


def two_factor_device(user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device, or None when they have not enrolled."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def two_factor_pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (created on first call, reused after)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def two_factor_qr_svg(device: TOTPDevice) -> str:
    """The device's `otpauth://` URI as an inline SVG QR code (markup, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def two_factor_verify(device: TOTPDevice, code: str) -> bool:
    """True when `code` (6 digits, spaces ignored) is current for `device`; django-otp
    refuses a code used before (replay) and slows repeated failures itself."""
    code = "".join((code or "").split())
    if not code.isdigit():
        return False
    return bool(device.verify_token(code))
