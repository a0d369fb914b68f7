"""Importing spreadsheets into accounts and contacts: reading, mapping, running and undoing batches."""
