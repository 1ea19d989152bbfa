"""The lock board's MicroPython firmware; only main.py and machine_hal.py import `machine`."""
