"""Ticket printer driver and printer simulator tests."""
