"""Exchange rates in the browser: managers see them, admins add, edit, delete and import."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm import policies
from crm.limits import date_in_range
from crm.web.access import access_row, web_view
from crm.web.views.common import form_round_trip
from metrics.exchange_rates import (
    exchange_rate_delete,
    exchange_rate_save,
    exchange_rates_import,
)
from metrics.models import ExchangeRate

MAX_CSV_BYTES = 1_000_000


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(
        label=gettext_lazy("Currency"),
        max_length=3,
        help_text=gettext_lazy("ISO 4217 code, e.g. EUR."),
    )
    rate = forms.DecimalField(
        label=gettext_lazy("Rate"),
        max_digits=20,
        decimal_places=8,
        help_text=gettext_lazy("Units of this currency per 1 unit of the reporting currency."),
    )
    valid_from = forms.DateField(
        validators=[date_in_range],
        label=gettext_lazy("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ExchangeRateImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns currency, rate, valid_from (YYYY-MM-DD), with a header row."
        ),
    )


def _import_text(upload) -> str:
    if upload.size > MAX_CSV_BYTES:
        raise forms.ValidationError(_("The file is larger than 1 MB."))
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise forms.ValidationError(_("Save the file as UTF-8 CSV.")) from None


@web_view("exchange_rates")
def exchange_rate_list(request):
    return render(
        request,
        "metrics/exchange_rates.html",
        {
            "rates": ExchangeRate.objects.order_by("currency", "-valid_from"),
            "reporting_currency": settings.GOALPOST_REPORTING_CURRENCY,
            "can_write": policies.can_write(request.user, "exchange_rates"),
            "import_form": ExchangeRateImportForm(),
        },
    )


def _back() -> dict:
    url = reverse("metrics:exchange_rates")
    return {"cancel_url": url, "back_url": url, "back_label": _("Exchange rates")}


@web_view("exchange_rates", write=True)
def exchange_rate_add(request):
    return form_round_trip(
        request,
        form=ExchangeRateForm(request.POST or None),
        save=lambda data: exchange_rate_save(
            currency=data["currency"], value=data["rate"], valid_from=data["valid_from"]
        ),
        success_url=lambda saved: reverse("metrics:exchange_rates"),
        success_message=_("Exchange rate saved."),
        context={"heading": _("Add an exchange rate"), **_back()},
    )


@web_view("exchange_rates", write=True)
def exchange_rate_edit(request, pk):
    row = access_row(request.user, "exchange_rates", ExchangeRate.objects.all(), pk, write=True)
    form = ExchangeRateForm(
        request.POST or None,
        initial={"currency": row.currency, "rate": row.rate, "valid_from": row.valid_from},
    )
    return form_round_trip(
        request,
        form=form,
        save=lambda data: exchange_rate_save(
            rate=ExchangeRate.objects.get(pk=pk),
            currency=data["currency"],
            value=data["rate"],
            valid_from=data["valid_from"],
        ),
        success_url=lambda saved: reverse("metrics:exchange_rates"),
        success_message=_("Exchange rate saved."),
        context={"heading": _("Edit exchange rate"), **_back()},
    )


@require_POST
@web_view("exchange_rates", write=True)
def exchange_rate_delete_view(request, pk):
    row = access_row(request.user, "exchange_rates", ExchangeRate.objects.all(), pk, write=True)
    exchange_rate_delete(rate=row)
    messages.success(request, _("Exchange rate deleted."))
    return redirect("metrics:exchange_rates")


@web_view("exchange_rates", write=True)
def exchange_rate_import(request):
    form = ExchangeRateImportForm(request.POST or None, request.FILES or None)

    def save(data):
        try:
            text = _import_text(data["file"])
        except forms.ValidationError as error:
            raise forms.ValidationError({"file": error.messages}) from None
        return exchange_rates_import(text=text)

    return form_round_trip(
        request,
        form=form,
        save=save,
        success_url=lambda written: reverse("metrics:exchange_rates"),
        success_message=_("Exchange rates imported."),
        context={"heading": _("Import exchange rates"), **_back()},
    )
