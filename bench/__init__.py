"""Measurements and robustness runs against omX under gunicorn: `make bench`,
`make load` and `make fuzz`. See bench/README.md."""
