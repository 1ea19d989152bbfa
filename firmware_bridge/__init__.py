"""Our own bridge protocol and firmware for a DIY lock board; it never imports `locker`."""
