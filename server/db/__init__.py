"""Storage: SQLModel tables, the database engine, transactions, migrations."""
