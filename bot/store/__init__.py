"""The store: everything the bot keeps, in SQLite by default.

How a query reaches the database: a use case calls one store of `Storage` (`storage.reports.record`,
`storage.inbox.store`, `storage.groups.mode`...). Each store (reports.py, inbox.py, ...) holds the
SQL of its concern; its methods marked `@operation` run through `connection.Database.run`, which
takes the shared connection in turn, opens a savepoint inside the one write transaction and
returns once a grouped, fsync'd COMMIT made the change durable. Queries are plain SQL with `?`
placeholders; what differs between engines comes from `Database.dialect`. The schema is
migrations.py, applied in order at open. A second engine (PostgreSQL) is a second `Database` and
`Dialect`, not a second set of stores.
"""
