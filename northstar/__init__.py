"""Northstar: innovation observatory and delivery tracker for a city region."""
