from workspaces.tests.conftest import client_as, page_client_as, role_world  # noqa: F401
