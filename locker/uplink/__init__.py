"""The locker's uplink to the fleet's broker: its audit log out, signed commands in."""
