"""Delete with confirmation: GET asks, POST deletes.

The domain has no delete services yet; deletion has no side effects beyond the database
cascade (stage history and tasks go with a deal), so it happens here in one transaction.
"""

from django.contrib import messages
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


def delete_round_trip(
    request, *, obj, kind: str, cancel_url: str, success_url: str, consequence="", blocked=""
):
    """`blocked` names why this row must stay (e.g. revenue history); then nothing is deleted."""
    if request.method == "POST" and not blocked:
        name = str(obj)
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError:
            messages.error(
                request, _("“%(name)s” is still in use and cannot be deleted.") % {"name": name}
            )
            return redirect(cancel_url)
        messages.success(request, _("“%(name)s” deleted.") % {"name": name})
        return redirect(success_url)
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
