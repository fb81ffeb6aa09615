"""Sites: what to fetch and how to read it, one module per site behind `base.Source`."""
