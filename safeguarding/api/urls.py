app_name = "safeguarding-api"

urlpatterns = []
