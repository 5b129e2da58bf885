from django.urls import path


def api_path(route: str, view, name: str):
    """Route `route` and `route/` to the same view, so clients may use either
    without a redirect (which would drop a POST body)."""
    route = route.rstrip("/")
    return [path(route, view, name=name), path(route + "/", view)]
