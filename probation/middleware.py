from django.contrib.auth.middleware import LoginRequiredMiddleware


class StaffLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every staff page needs a signed-in user. The REST API authenticates its own callers (tokens) and answers 401
    rather than redirecting, so it is left to DRF's permission classes."""

    exempt_prefixes = ("/api/", "/static/")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.exempt_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
