from django import forms

from accounts.models import User


class CertificateNameSignupForm(forms.Form):
    """Extra sign-up field: allauth calls signup() after creating the user."""

    certificate_name = forms.CharField(
        label="Name as it should appear on certificates",
        max_length=150,
        help_text="For example “Dr. Ana María Reyes”. You can change it later in your profile.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request, user: User) -> None:
        user.certificate_name = self.cleaned_data["certificate_name"].strip()
        user.save(update_fields=["certificate_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["certificate_name"]
        labels = {"certificate_name": "Name as it should appear on certificates"}
        widgets = {"certificate_name": forms.TextInput(attrs={"autocomplete": "name"})}

    def clean_certificate_name(self) -> str:
        name = self.cleaned_data["certificate_name"].strip()
        if not name:
            raise forms.ValidationError("Enter the name to print on your certificates.")
        return name
