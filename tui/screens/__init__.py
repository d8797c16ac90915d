"""Screens of the dvpsnap application."""
