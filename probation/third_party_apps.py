"""Readable names in the admin for the third-party apps whose labels would show raw ("OTP_STATIC", "AXES")."""

from axes.apps import AppConfig as AxesConfig
from django_otp.plugins.otp_static.apps import DefaultConfig as OtpStaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as OtpTotpConfig


class AuthenticatorAppsConfig(OtpTotpConfig):
    default = False
    verbose_name = "Two-factor: authenticator apps"


class RecoveryCodesConfig(OtpStaticConfig):
    default = False
    verbose_name = "Two-factor: recovery codes"


class SignInLockoutsConfig(AxesConfig):
    default = False
    verbose_name = "Sign-in attempts and lockouts"
