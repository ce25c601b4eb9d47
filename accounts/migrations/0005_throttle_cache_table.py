"""The `throttle` cache's table (salesmgmt.ratelimit), created with the schema so that a
database brought up by `migrate` alone (a fresh deploy, a restored dump) can count limits."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_organization_stale_deal_days")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
