"""Delete with confirmation: GET asks, POST deletes through the row's delete service."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.web.responses import error_text


def _refusal(check: Callable[[], None] | None) -> str:
    """Why the service would refuse (its ValidationError), or "" when deleting is allowed."""
    if check is None:
        return ""
    try:
        check()
    except ValidationError as error:
        return error_text(error)
    except PermissionDenied as error:
        return str(error)
    return ""


def delete_round_trip(
    request,
    *,
    obj,
    kind: str,
    delete: Callable[[], None],
    cancel_url: str,
    success_url: str,
    check: Callable[[], None] | None = None,
    consequence="",
):
    """`check` tells the confirm page up front why a row must stay (e.g. revenue history);
    `delete` is the service, which checks again inside its transaction and may refuse."""
    blocked = ""
    if request.method == "POST":
        name = str(obj)
        try:
            delete()
        except ValidationError as error:
            blocked = error_text(error)
        except PermissionDenied as error:
            blocked = str(error)
        except ProtectedError:
            messages.error(
                request, _("“%(name)s” is still in use and cannot be deleted.") % {"name": name}
            )
            return redirect(cancel_url)
        else:
            messages.success(request, _("“%(name)s” deleted.") % {"name": name})
            return redirect(success_url)
    else:
        blocked = _refusal(check)
    return render(
        request,
        "web/confirm_delete.html",
        {
            "object": obj,
            "kind": kind,
            "cancel_url": cancel_url,
            "consequence": consequence,
            "blocked": blocked,
        },
        status=409 if blocked and request.method == "POST" else 200,
    )
