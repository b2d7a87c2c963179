"""Operator's window on automation rows; rules are edited in the rule builder."""

from django.contrib import admin

from .models import Enrollment, OutboundEmail, RoundRobinCursor, Rule, Run


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "match", "updated_at")
    list_filter = ("enabled",)
    search_fields = ("name",)


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("rule", "event_kind", "subject_type", "subject_id", "status", "started_at")
    list_filter = ("status", "rule")
    raw_id_fields = ("event",)
    date_hierarchy = "started_at"


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("contact", "campaign", "status", "enrolled_at", "exited_at")
    list_filter = ("status", "campaign")
    raw_id_fields = ("contact", "run")


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("to", "subject", "created_at", "sent_at")
    raw_id_fields = ("run",)


admin.site.register(RoundRobinCursor)
