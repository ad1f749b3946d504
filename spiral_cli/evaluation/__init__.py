"""How well agents reconstruct images, measured as DESIGN section 4 says."""
