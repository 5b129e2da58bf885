from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import User
from omx.exceptions import ApplicationError
from omx.net import client_ip


class SignupForm(forms.Form):
    full_name = forms.CharField(max_length=150, required=False, label="Full name")
    email = forms.EmailField(max_length=254)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
        strip=False,
    )

    def __init__(self, *args, locked_email: str | None = None, **kwargs):
        """`locked_email`: signing up from an invitation, only its address may register."""
        super().__init__(*args, **kwargs)
        self.locked_email = locked_email
        if locked_email:
            self.fields["email"].initial = locked_email
            self.fields["email"].widget.attrs["readonly"] = True
            self.fields["email"].help_text = "The address this invitation was sent to."

    def clean_email(self):
        email = self.cleaned_data["email"]
        if self.locked_email and email.lower() != self.locked_email.lower():
            raise ValidationError("Sign up with the address the invitation was sent to.")
        return email


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.user = services.user_authenticate(
                email=data["email"], password=data["password"],
                ip=client_ip(self.request), request=self.request,
            )
        except ApplicationError as exc:
            raise ValidationError(exc.detail, code=exc.code) from None
        return data


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name"]


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
