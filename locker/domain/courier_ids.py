"""Which courier ids a locker gives its own couriers, and which the centre gives the fleet's.

A fleet courier keeps one id at every locker, so the two ranges never meet: a locker's own
couriers are numbered below `FIRST_FLEET_ID`, the centre's from it, eight digits each.
"""

FIRST_FLEET_ID = 10_000_000
LAST_FLEET_ID = 99_999_999
LAST_LOCAL_ID = FIRST_FLEET_ID - 1


def is_fleet_id(courier_id: int) -> bool:
    """Whether the id is one the centre gives."""
    return FIRST_FLEET_ID <= courier_id <= LAST_FLEET_ID
