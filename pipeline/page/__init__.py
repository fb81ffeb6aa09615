"""A page: bytes decoded to text, parsed once; text tools every reader uses."""
