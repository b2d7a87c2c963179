"""Browser pages of the automation app."""

app_name = "automation"
urlpatterns: list = []
