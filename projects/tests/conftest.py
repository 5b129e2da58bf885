from workspaces.tests.conftest import _no_static_scan, client_as, page_client_as, role_world  # noqa: F401
