"""Lock-board adapters behind the LockBoard port."""
