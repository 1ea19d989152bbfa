"""Small cabinet layouts for tests."""

SMALL_LAYOUT = """
[[bus]]
name = "main"

[[compartment]]
label = "A01"
size = "S"
board = 0
channel = 1

[[compartment]]
label = "A02"
size = "S"
board = 0
channel = 2
low = true

[[compartment]]
label = "B01"
size = "M"
board = 0
channel = 3

[[compartment]]
label = "B02"
size = "M"
board = 0
channel = 4
low = true

[[compartment]]
label = "C01"
size = "L"
board = 1
channel = 1

[[compartment]]
label = "D01"
size = "XL"
board = 1
channel = 2
low = true
"""
