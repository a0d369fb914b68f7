"""The framework: base models, registry, visibility, generic views and API base.

It holds no domain models; every app builds its models, views and API on what lives here.
"""
