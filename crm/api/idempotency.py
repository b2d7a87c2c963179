"""`Idempotency-Key` on API creates: a retried POST returns the first response.

A client that sends `Idempotency-Key: <up to 255 printable characters>` with a create
gets, for any later POST by the same user to the same path with the same key within
`IDEMPOTENCY_KEY_TTL_HOURS`, the first answer again (same status and body, same id) and
nothing is created twice. The same key with a different body is a 422. The stored key is
written in the create's own transaction, so a crash after the record was saved but before
the answer reached the client leaves both or neither: the retry cannot double-create.
Only successful (2xx) answers are stored; a refused create may be retried with a fix.
"""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from crm.api.renderers import JSONRenderer
from crm.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (≤ 255 printable characters, e.g. a UUID) naming this create. "
        "A retry with the same key, by the same user to the same path within 24 hours, "
        "answers the first response again (same status, body and id) and creates nothing; "
        "the same key with a different body answers 422. Replays carry "
        "`Idempotent-Replayed: true`."
    ),
)


def _request_hash(data) -> str:
    """sha256 over the request body as parsed: JSON canonicalised (key order does not
    matter), uploaded files by their bytes."""
    digest = hashlib.sha256()

    def default(value):
        if isinstance(value, UploadedFile):
            file_digest = hashlib.sha256()
            for chunk in value.chunks():
                file_digest.update(chunk)
            value.seek(0)
            return {"file": value.name, "sha256": file_digest.hexdigest()}
        return str(value)

    if hasattr(data, "lists"):  # QueryDict: keep every value of a repeated field
        data = dict(data.lists())
    digest.update(json.dumps(data, sort_keys=True, default=default).encode())
    return digest.hexdigest()


def _error(message: str, status_code: int) -> Response:
    return Response({HEADER: [message]}, status=status_code)


def _replay(stored: IdempotencyKey) -> Response:
    return Response(
        stored.response_body, status=stored.response_status, headers={REPLAY_HEADER: "true"}
    )


def idempotent_create(request, create):
    """Run `create()` (returning a DRF Response) at most once per Idempotency-Key.

    Without the header, just `create()`. With it: a bad key is a 400 naming the header;
    a stored answer is replayed; a stored key with another body is a 422; otherwise the
    create runs and, when it answers 2xx, its answer is stored in the same transaction.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return create()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return _error(
            _("Send 1 to %(max)d printable characters.") % {"max": MAX_KEY_LENGTH},
            status.HTTP_400_BAD_REQUEST,
        )
    user, path = request.user, request.path
    request_hash = _request_hash(request.data)
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    try:
        with transaction.atomic():
            IdempotencyKey.objects.filter(
                user=user, key=key, path=path, created_at__lt=cutoff
            ).delete()
            stored = (
                IdempotencyKey.objects.select_for_update()
                .filter(user=user, key=key, path=path)
                .first()
            )
            if stored is not None:
                if stored.request_hash != request_hash:
                    return _error(_mismatch_message(), status.HTTP_422_UNPROCESSABLE_ENTITY)
                return _replay(stored)
            response = create()
            if 200 <= response.status_code < 300:
                body = json.loads(JSONRenderer().render(response.data) or b"null")
                IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    path=path,
                    request_hash=request_hash,
                    response_status=response.status_code,
                    response_body=body,
                )
            return response
    except IntegrityError:
        # A concurrent request with the same key committed first; ours rolled back whole.
        stored = IdempotencyKey.objects.filter(user=user, key=key, path=path).first()
        if stored is None:
            raise
        if stored.request_hash != request_hash:
            return _error(_mismatch_message(), status.HTTP_422_UNPROCESSABLE_ENTITY)
        return _replay(stored)


def _mismatch_message() -> str:
    return _(
        "This Idempotency-Key was already used with a different request body. "
        "Send a new key for a new record."
    )


def idempotency_keys_expire() -> int:
    """Delete stored keys older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class IdempotentCreateMixin:
    """For viewsets with `create`: honours `Idempotency-Key` (see module docstring).
    Put it before the DRF base class."""

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def create(self, request, *args, **kwargs):
        parent_create = super().create
        return idempotent_create(request, lambda: parent_create(request, *args, **kwargs))


def idempotent(handler):
    """Decorator for a POST action that creates (convert, reply, invite, bulk): the same
    Idempotency-Key handling as creates. Put it under `@action` and list
    `IDEMPOTENCY_KEY_PARAMETER` in the action's `extend_schema(parameters=…)`."""

    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        return idempotent_create(request, lambda: handler(self, request, *args, **kwargs))

    return wrapper
