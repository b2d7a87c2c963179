"""The floor for `/api/deals/`: a bare DRF list view over the same rows and fields.

Routed as the whole URLconf while the floor is timed (override_settings(ROOT_URLCONF=…)),
so it passes the same middleware as the real endpoint, but has no policy scope, filters,
search, ordering parameter, tie-breaker or permission checks: what DRF costs by itself.
"""

from django.urls import path
from rest_framework import generics, pagination, serializers
from rest_framework.permissions import AllowAny

from crm.api.serializers import DealSerializer
from crm.models import Deal


class BareDealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deal
        fields = DealSerializer.Meta.fields


class BarePagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"


class BareDealList(generics.ListAPIView):
    queryset = Deal.objects.order_by("position", "-created_at", "-id")
    serializer_class = BareDealSerializer
    pagination_class = BarePagination
    permission_classes = [AllowAny]
    filter_backends = []


urlpatterns = [path("api/deals/", BareDealList.as_view())]
