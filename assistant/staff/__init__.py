"""Staff workspace: accounts, roles, sessions, the audit log and the staff pages."""
