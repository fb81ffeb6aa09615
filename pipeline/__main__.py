"""`python -m pipeline` is the `newsvault` command."""

from pipeline.cli.main import main

raise SystemExit(main())
