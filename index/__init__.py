"""The search index: a Whoosh index derived from the record store (schema, building, querying)."""
