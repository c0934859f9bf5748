"""Ticketing writes. Import from the sub-modules: halls, programme, inventory, orders."""
