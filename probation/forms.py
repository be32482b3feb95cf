from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct user name and password. Both are case-sensitive.",
        "inactive": "This account has been disabled. Ask your administrator.",
    }
