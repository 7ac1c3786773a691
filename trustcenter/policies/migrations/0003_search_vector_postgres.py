"""Full-text search on PostgreSQL: a stored, generated tsvector column with a GIN index.

Only on PostgreSQL; on SQLite this migration does nothing and search scores in Python
(trustcenter/policies/search.py). The column is not a model field: the database keeps it
up to date itself, and Django never reads or writes it except in the search query.
Weights: title A, summary B, body C. A later migration that changes the type of title,
summary or body_text must drop and recreate the column around it (PostgreSQL refuses to
alter a column that a generated column uses).
"""

from django.db import migrations

TABLE = "policies_policyversion"
ADD = f"""
ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(summary, '')), 'B')
    || setweight(to_tsvector('english', coalesce(body_text, '')), 'C')
) STORED;
CREATE INDEX policies_policyversion_search_idx ON {TABLE} USING GIN (search_vector);
"""
DROP = f"""
DROP INDEX IF EXISTS policies_policyversion_search_idx;
ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector;
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in sql.split(";"):
                if statement.strip():
                    schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0002_toc_may_be_empty"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(ADD), _on_postgresql(DROP), elidable=False),
    ]
