"""Test support: a real server on a loopback port, accounts and tokens."""
