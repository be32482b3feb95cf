app_name = "resettlement"

urlpatterns = []
