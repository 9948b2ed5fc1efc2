"""The Tinify-compatible face: the wire the official tinify clients speak (see CONTRACT.md)."""
