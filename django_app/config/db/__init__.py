"""PostgreSQL backend whose credentials follow DATABASE_URL_FILE (`config.database_url`)."""
