"""Speed measurements the project reports: `spiral bench ...`."""
