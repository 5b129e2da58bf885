"""An install that predates bucket grants keeps working: every bucket and
prefix already linked is granted to the workspace that linked it."""

from django.db import migrations


def grant_linked(apps, schema_editor):
    StorageConnection = apps.get_model("storage", "StorageConnection")
    BucketGrant = apps.get_model("storage", "BucketGrant")
    seen = set()
    for workspace_id, bucket, prefix in StorageConnection.objects.values_list(
        "project__workspace_id", "bucket_name", "prefix"
    ).order_by():
        if (workspace_id, bucket, prefix) in seen:
            continue
        seen.add((workspace_id, bucket, prefix))
        BucketGrant.objects.get_or_create(workspace_id=workspace_id, bucket_name=bucket, prefix=prefix)


class Migration(migrations.Migration):
    dependencies = [("storage", "0002_bucket_grants")]

    operations = [migrations.RunPython(grant_linked, migrations.RunPython.noop)]
