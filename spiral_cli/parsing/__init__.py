"""Turning images into stroke programs with a trained agent."""
