from drf_spectacular.openapi import AutoSchema


def drop_slash_variants(endpoints, **kwargs):
    """Every API path is routed with and without a trailing slash; document one."""
    return [e for e in endpoints if not (e[0].endswith("/") and e[0] != "/")]


class OmxAutoSchema(AutoSchema):
    """Names serializers nested in a view after the view, so the many
    `InputSerializer`/`OutputSerializer` classes get distinct components:
    `LoginApi.InputSerializer` becomes `LoginInput`."""

    def get_serializer_name(self, serializer, direction):
        cls = serializer.__class__
        outer, _, inner = cls.__qualname__.rpartition(".")
        if outer and "<locals>" not in outer:
            outer = outer.split(".")[-1].removesuffix("Api").removesuffix("View")
            inner = inner.removesuffix("Serializer")
            return f"{outer}{inner}"
        return super().get_serializer_name(serializer, direction)

    def _get_request_body(self, direction="request"):
        """drf-spectacular documents bodies only for POST/PUT/PATCH; a DELETE
        view that takes one (`delete_has_body = True`: deleting many objects
        by name) gets its optional body documented too."""
        if self.method != "DELETE" or not getattr(self.view, "delete_has_body", False):
            return super()._get_request_body(direction)
        method, self.method = self.method, "POST"
        try:
            body = super()._get_request_body(direction)
        finally:
            self.method = method
        if body:
            body["required"] = False
        return body
