"""Staff roles; the database, the staff pages and the CLI check against this one list."""

ROLES = ("admin", "secretary", "judge", "outreach")
