"""One module per kind of sheet; xl/build.py writes them in order."""
