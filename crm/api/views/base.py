from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from crm.api.idempotency import IdempotentCreateMixin
from crm.api.permissions import PolicyPermission


class PolicyViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """A resource of `crm.policies.ACCESS`: scoped reads, writes through the services.

    Subclasses name `policy_resource`, a `selector(user=…)` for their rows, and
    `create_record` / `update_record`, which call the crm services with validated data.
    """

    policy_resource: str
    selector: Callable[..., QuerySet[Any]] | None = None
    permission_classes = [IsAuthenticated, PolicyPermission]

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    # One request, one transaction: an update may call several services (edit the deal,
    # then close it); when a later one refuses, the 4xx must leave nothing of the earlier.
    @transaction.atomic
    def perform_create(self, serializer):
        serializer.instance = self.create_record(
            actor=self.request.user, data=dict(serializer.validated_data)
        )

    @transaction.atomic
    def perform_update(self, serializer):
        serializer.instance = self.update_record(
            serializer.instance, actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        # Protected references raise before anything is deleted; the exception handler
        # turns them into a 400 naming what still points at the row.
        with transaction.atomic():
            self.delete_record(instance, actor=self.request.user)

    def delete_record(self, instance, *, actor):
        """Resources with a delete service (revenue history to keep) override this."""
        instance.delete()

    def create_record(self, *, actor, data):
        raise NotImplementedError

    def update_record(self, instance, *, actor, data):
        raise NotImplementedError
