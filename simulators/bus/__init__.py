"""Simulated Layso bus devices (panel, board, keypad, rating box) on a pty or TCP line."""
