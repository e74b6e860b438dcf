"""Statement definitions, one module per source chapter (ch2.py ... ch7.py, essay.py, paper.py).

Every module here is imported by ``verify.registry.load_all``; adding a module is enough.
"""
