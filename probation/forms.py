from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm


# GOV.UK patterns every form shares: an error that names its field, and inputs as wide as the answer they expect.
DJANGO_REQUIRED = forms.Field.default_error_messages["required"]
DJANGO_BLANK = "---------"
CHOOSING = (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField)


def _label_phrase(name: str, field: forms.Field) -> str:
    label = str(field.label or name.replace("_", " ")).strip().rstrip(":")
    if len(label) > 1 and label[1].islower():
        label = label[0].lower() + label[1:]  # "Subject's last name" -> "subject's last name"; "RAG rating" stays
    if label.split(" ", 1)[0] in ("the", "a", "an", "your", "their", "why", "how", "who", "when", "what", "which"):
        return label
    return f"the {label}"


def required_message(name: str, field: forms.Field) -> str:
    """"Enter the subject's last name" / "Select the requesting organisation", never "This field is required."."""
    verb = "Select" if isinstance(field, CHOOSING) else "Enter"
    return f"{verb} {_label_phrase(name, field)}."


def width_class(field: forms.Field) -> str:
    """The GOV.UK width class for a text-like input: as wide as the answer it expects, never the whole page."""
    widget = field.widget
    kind = getattr(widget, "input_type", "")
    if isinstance(widget, forms.Textarea) or kind in ("checkbox", "radio", "hidden", "file") or isinstance(widget, forms.Select):
        return ""
    if kind == "date" or isinstance(field, (forms.DateField,)):
        return "govuk-input--width-10"
    if kind == "datetime-local" or isinstance(field, forms.DateTimeField):
        return "govuk-input--width-20"
    if kind == "time":
        return "govuk-input--width-5"
    if kind == "number" or isinstance(field, (forms.IntegerField, forms.DecimalField)):
        return "govuk-input--width-5"
    if kind == "email" or isinstance(field, forms.EmailField):
        return "govuk-input--width-30"
    longest = getattr(field, "max_length", None)
    if longest is not None and longest <= 4:
        return "govuk-input--width-4"
    if longest is not None and longest <= 10:
        return "govuk-input--width-10"
    if longest is not None and longest <= 20:
        return "govuk-input--width-20"
    return "govuk-input--width-30" if longest is not None and longest <= 100 else "govuk-!-width-two-thirds"


def name_the_fields(form: forms.BaseForm) -> None:
    """Give every field of `form` a required message that names it (unless the form wrote its own)."""
    for name, field in form.fields.items():
        if str(field.error_messages.get("required")) == str(DJANGO_REQUIRED):
            field.error_messages["required"] = required_message(name, field)


class GovukFormMixin:
    """Mixed into every staff form: errors name their field, and text inputs get GOV.UK classes and widths."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_fields(self)
        for field in self.fields.values():
            # A select's empty choice says what to do, not Django's "---------".
            if isinstance(field, forms.ModelChoiceField) and field.empty_label == DJANGO_BLANK:
                field.empty_label = "Select one"
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                choices = list(field.choices)
                if choices and choices[0] == ("", DJANGO_BLANK):
                    field.choices = [("", "Select one")] + choices[1:]
            widget = field.widget
            # A date box shows its value as the browser's date input needs it (ISO), whatever the locale's format:
            # "12/04/1981" is rejected by <input type=date>, and the next search would silently drop the date.
            if getattr(widget, "input_type", "") == "date":
                widget.format = "%Y-%m-%d"
            elif getattr(widget, "input_type", "") == "datetime-local":
                widget.format = "%Y-%m-%dT%H:%M"
            css = widget.attrs.get("class", "")
            width = width_class(field)
            if width and "width" not in css:
                widget.attrs["class"] = f"{css or 'govuk-input'} {width}".strip()


class SignInForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct user name and password. Both are case-sensitive.",
        "inactive": "This account has been disabled. Ask your administrator.",
    }


class OneTimeCodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        error_messages={"required": "Enter the code from your authenticator app or a recovery code."},
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace(" ", "").strip()


class PasswordChangeForm(GovukFormMixin, auth_forms.PasswordChangeForm):
    pass


def form_add_service_errors(form, exc, *, rename: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: each message on its field (`rename` maps a service's field name
    to the form's, e.g. starts_at -> date), anything else at the top. Works on an unbound form too (an action refused
    by the service when there was nothing to fill in)."""
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    rename = rename or {}
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for field, errors in messages.items():
        field = rename.get(field, field)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
