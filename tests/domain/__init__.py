"""Unit tests of the pure domain package: no store, no board, no clock but a datetime."""
