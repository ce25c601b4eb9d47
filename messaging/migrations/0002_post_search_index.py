"""A GIN index for full-text search of posts, on PostgreSQL only (SQLite searches by substring).

The indexed expression is exactly the one `messaging.filters.search_vector()` compiles to,
so that the planner can use it for the feed's search.
"""

from django.db import migrations

INDEX = "messaging_post_search_gin"
EXPRESSION = (
    "to_tsvector('simple'::regconfig, COALESCE(\"body\", '') || ' ' || "
    "COALESCE(\"went_well\", '') || ' ' || COALESCE(\"went_badly\", '') || ' ' || "
    "COALESCE(\"tomorrow_plan\", ''))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON "messaging_post" USING gin ({EXPRESSION})'
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_feed_messages_notifications")]

    operations = [migrations.RunPython(create_index, drop_index)]
