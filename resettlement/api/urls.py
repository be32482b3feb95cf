app_name = "resettlement-api"

urlpatterns = []
