from revgen_ops.cli.app import main

__all__ = ["main"]
