"""schemacode: declarative schema-as-code for PostgreSQL."""
__version__ = "0.1.0"
