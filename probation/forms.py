from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct user name and password. Both are case-sensitive.",
        "inactive": "This account has been disabled. Ask your administrator.",
    }


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        error_messages={"required": "Enter the code from your authenticator app or a recovery code."},
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace(" ", "").strip()
