from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from crm.api.parsers import MAX_JSON_DEPTH
from crm.constraints import constraint_error


def _model_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    detail = as_serializer_error(exc)
    # Model-level errors (constraints, clean()) come keyed "__all__"; API clients get
    # the same key as serializer-level errors.
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return exceptions.ValidationError(detail)


def _still_referenced(exc: ProtectedError | RestrictedError) -> exceptions.ValidationError:
    # RestrictedError names its rows restricted_objects, not protected_objects.
    objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    kinds = sorted({str(obj._meta.verbose_name_plural) for obj in objects})
    return exceptions.ValidationError(
        {
            api_settings.NON_FIELD_ERRORS_KEY: [
                _("This is still used by: %(kinds)s.") % {"kinds": ", ".join(kinds)}
            ]
        }
    )


def exception_handler(exc, context):
    """DRF's handler, plus model validation and constraint errors, and JSON fields nested
    past the decoder's limit, as 400s rather than 500s.

    Services validate with `full_clean`, so a ValidationError carries field names; an
    IntegrityError or DataError that still reaches here (a race, a value the column
    cannot hold) is the client's request conflicting with the data, not a server fault.
    """
    if isinstance(exc, DjangoValidationError):
        exc = _model_validation_error(exc)
    elif isinstance(exc, DjangoPermissionDenied) and exc.args:
        # A service's refusal says why (DRF's own conversion would drop the sentence).
        exc = exceptions.PermissionDenied(str(exc.args[0]))
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = _still_referenced(exc)
    elif isinstance(exc, IntegrityError):
        detail = constraint_error(exc)
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, RecursionError):
        # JSON text inside a form or multipart field (a segment's conditions, an import's
        # mapping) decoded by a serializer field, nested past the decoder's limit.
        exc = exceptions.ValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    _("JSON nested deeper than %(depth)s levels.") % {"depth": MAX_JSON_DEPTH}
                ]
            }
        )
    elif isinstance(exc, DataError):
        exc = exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [_("A value is out of range or malformed.")]}
        )
    return drf_exception_handler(exc, context)
