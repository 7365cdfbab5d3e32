"""RevGen operations: one library behind the `revgen` command and the admin UI's operations pages."""
