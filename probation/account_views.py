"""Signing in and out, two-factor enrolment and verification, password change, session keep-alive."""

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from probation.audit import Action, audit_record
from probation.forms import OneTimeCodeForm, PasswordChangeForm, SignInForm
from probation.middleware import SIGNED_IN_AT
from probation.services import (
    mfa_enrol_confirm,
    mfa_has_device,
    mfa_pending_device,
    recovery_codes_issue,
    user_sessions_end,
)

SIGNED_OUT_MESSAGES = {
    "idle": "You were signed out because you were inactive. Sign in again to continue.",
    "absolute": "You were signed out because you have been signed in for too long. Sign in again to continue.",
}


class SignInView(LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["signed_out_message"] = SIGNED_OUT_MESSAGES.get(self.request.GET.get("signed_out", ""))
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[SIGNED_IN_AT] = time.time()
        return response


@require_POST
def sign_out(request):
    """Ends this session and every other session of the user."""
    user = request.user
    if user.is_authenticated:
        user_sessions_end(user=user)
    logout(request)
    return redirect("login")


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse_lazy(default)


def two_factor(request):
    """Verify this session with a code, or enrol an authenticator app first."""
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    enrolled = mfa_has_device(user)
    device = None if enrolled else mfa_pending_device(user=user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["code"]
        if enrolled:
            matched = match_token(user, token)
            if matched is not None:
                otp_login(request, matched)
                request.session.cycle_key()  # a session key known before verification is worth nothing after it
                audit_record(action=Action.MFA_VERIFIED, request=request, detail={"device": matched.__class__.__name__})
                return redirect(_safe_next(request))
        else:
            codes = mfa_enrol_confirm(user=user, device=device, token=token)
            if codes is not None:
                otp_login(request, device)
                request.session.cycle_key()
                audit_record(action=Action.MFA_ENROLLED, request=request)
                return render(request, "registration/recovery_codes.html", {"codes": codes, "next": _safe_next(request)})
        audit_record(action=Action.MFA_FAILED, request=request)
        form.add_error("code", "The code is wrong or has expired. Enter the 6-digit code your app shows now.")
    context = {"form": form, "enrolled": enrolled, "next": request.GET.get("next", "")}
    if device is not None:
        qr = segno.make(device.config_url, error="m")
        context.update(qr_data_uri=qr.svg_data_uri(scale=5), secret=_base32(device.bin_key))
    return render(request, "registration/two_factor.html", context)


def _base32(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@require_POST
def recovery_codes_renew(request):
    codes = recovery_codes_issue(user=request.user)
    audit_record(action=Action.MFA_ENROLLED, request=request, detail={"recovery_codes": "renewed"})
    return render(request, "registration/recovery_codes.html", {"codes": codes, "next": reverse_lazy("home")})


class PasswordChange(PasswordChangeView):
    template_name = "registration/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        form.save()
        # Other sessions end because the password hash changed; this one carries on.
        update_session_auth_hash(self.request, form.user)
        audit_record(action=Action.PASSWORD_CHANGED, request=self.request)
        messages.success(self.request, "Your password has been changed. Your other sessions have been signed out.")
        return redirect(self.success_url)


@require_POST
def keep_alive(request):
    """The "stay signed in" button: any request renews the idle timeout (SESSION_SAVE_EVERY_REQUEST)."""
    response = HttpResponse(status=204)
    response["X-Session-Expires-In"] = str(settings.SESSION_COOKIE_AGE)
    return response
