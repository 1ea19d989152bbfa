"""End-to-end tests of the `locker` command line and of packaging."""
