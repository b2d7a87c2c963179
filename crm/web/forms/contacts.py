from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.limits import tags_check
from crm.models import Company, Contact

from .widgets import SELLERS, DateInput, LookupWidget, active_users


class ContactForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas."),
    )

    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "company",
            "owner",
            "lifecycle",
            "source",
            "opted_out",
            "birth_date",
            "occupation",
            "gender",
            "marital_status",
            "income_band",
            "education",
            "language",
        ]
        widgets = {
            "company": LookupWidget("companies"),
            "owner": LookupWidget("users", roles=SELLERS),
            "birth_date": DateInput(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autofocus"] = True
        self.fields["company"].queryset = Company.objects.all()
        if user.sees_all_sales:
            self.fields["owner"].queryset = active_users(*SELLERS)
        else:
            del self.fields["owner"]
        if self.instance.pk:
            self.initial["tags"] = ", ".join(t.name for t in self.instance.tags.all())

    def clean_tags(self) -> list[str]:
        """Comma-separated names → a list without blanks or repeats, within the tag limits."""
        names = [name.strip() for name in self.cleaned_data["tags"].split(",")]
        names = list(dict.fromkeys(name for name in names if name))
        tags_check(names)
        return names

    def clean_email(self) -> str:
        """A duplicate address (any letter case) names the contact who has it; the page
        offers to open that contact or, when editing, to merge the two."""
        from django.urls import reverse

        from crm.services.consent import contact_email_check

        email = (self.cleaned_data.get("email") or "").strip()
        try:
            contact_email_check(email=email, exclude_pk=self.instance.pk)
        except forms.ValidationError as error:
            # contact_email_check's error names the existing contact in its params.
            params = cast(dict[str, int], error.error_dict["email"][0].params)
            existing = Contact.objects.get(pk=params["existing_contact"])
            self.duplicate_of = existing
            self.duplicate_url = reverse("web:contact_detail", args=[existing.pk])
            if self.instance.pk:
                self.merge_url = reverse(
                    "importing:merge", args=["contact", existing.pk, self.instance.pk]
                )
            raise forms.ValidationError(error.error_dict["email"]) from None
        return email


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "domain", "industry", "phone", "address", "owner"]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "owner": LookupWidget("users", roles=SELLERS),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        if user.sees_all_sales:
            self.fields["owner"].queryset = active_users(*SELLERS)
        else:
            del self.fields["owner"]
