"""Browser pages of the goals app."""

app_name = "goals"
urlpatterns: list = []
