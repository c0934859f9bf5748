from .migrate_schemas import Command  # `migrate` is `migrate_schemas`, template included.

__all__ = ["Command"]
