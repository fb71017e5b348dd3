"""The review loop: unanswered questions queued and clustered, answers written and published
as FAQ entries served at once."""
