"""Browser pages of the core CRM (filled by the web layer)."""

urlpatterns: list = []
