"""Subcommands of `trialdex`: one module each, each with ``register(subparsers)``.

Handlers import their heavy dependencies inside the function, so `trialdex
--help` stays fast.
"""
