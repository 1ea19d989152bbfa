"""The `locker` command line: a thin click layer over the use cases."""
