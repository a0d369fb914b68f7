"""Demo and benchmark data: ``python -m django demo --size small|large`` (see ``management/commands/demo.py``)."""
