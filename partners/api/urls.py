app_name = "partners-api"

urlpatterns = []
