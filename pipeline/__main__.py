"""`python -m pipeline` is the `newsvault` command."""

from .cli import main

raise SystemExit(main())
