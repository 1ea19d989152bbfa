"""Pure domain rules of the locker: no I/O, standard library only."""
