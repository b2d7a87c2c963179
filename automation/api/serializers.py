from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from automation.models import Enrollment, ExitReason, Rule, Run
from automation.validation import RuleDefinitionError, check_rule_definition
from crm.api.fields import IntegerPrimaryKeyRelatedField
from crm.api.serializers.base import IdModelSerializer
from crm.models import Campaign, Contact


class RuleSerializer(IdModelSerializer):
    triggers = serializers.JSONField(
        help_text=_('Event kinds that start the rule, e.g. ["deal.created"].')
    )
    conditions = serializers.JSONField(
        required=False, help_text=_('[{"field": "value", "operator": "gt", "value": "500"}]')
    )
    actions = serializers.JSONField(
        help_text=_(
            'Ordered [{"type": "create_task", "params": {…}}]; see /api/automation/registry/.'
        )
    )

    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "description",
            "enabled",
            "triggers",
            "match",
            "fires",
            "conditions",
            "actions",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]

    def validate(self, attrs):
        rule = self.instance
        definition = {
            name: attrs.get(name, getattr(rule, name) if rule else default)
            for name, default in (
                ("triggers", None),
                ("match", "all"),
                ("conditions", []),
                ("actions", None),
            )
        }
        try:
            attrs.update(check_rule_definition(**definition))
        except RuleDefinitionError as exc:
            raise serializers.ValidationError(exc.structured) from None
        return attrs


class RunSerializer(IdModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)

    class Meta:
        model = Run
        fields = [
            "id",
            "rule",
            "rule_name",
            "event",
            "event_kind",
            "subject_type",
            "subject_id",
            "status",
            "summary",
            "outcome",
            "error",
            "attempts",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class CampaignSerializer(IdModelSerializer):
    active_enrollments = serializers.IntegerField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "channel",
            "description",
            "is_active",
            "starts_on",
            "ends_on",
            "owner",
            "active_enrollments",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class EnrollmentSerializer(IdModelSerializer):
    campaign = IntegerPrimaryKeyRelatedField(queryset=Campaign.objects.all())
    contact = IntegerPrimaryKeyRelatedField(queryset=Contact.objects.all())
    # Blank while the enrollment runs; declared so the schema's enum admits "".
    exit_reason = serializers.ChoiceField(
        choices=ExitReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "campaign",
            "contact",
            "status",
            "enrolled_at",
            "exited_at",
            "exit_reason",
            "run",
        ]
        read_only_fields = ["status", "exited_at", "exit_reason", "run"]


class EnrollmentExitSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=Enrollment._meta.get_field("exit_reason").choices or (), default="manual"
    )


class DryRunQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, default=30)
