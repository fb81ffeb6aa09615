"""The `newsvault` command: a thin skin over the library functions.

Layout: `main.py` builds the parser from the command modules, sets up logging and turns
the exception tree (pipeline.core.errors) into exit codes; it is the only place that does.
Each command is one module here, its parser and its handler together, and calls the
library function of the same name.  Shared pieces: `options.py` (the common options,
--site/--since/--until/--csv/--json blocks, settings loading), `output.py` (tables, CSV,
JSON lines, the progress bar), `inputs.py` (files named on the command line).

To add a command `newsvault frob`:

1. Write `pipeline/cli/frob.py` with two functions::

       def register(commands: Commands) -> None:
           p = commands.add("frob", run, help="one line for the command list",
                            description="What it does. Example: newsvault frob --site 36kr")
           add_site(p)                  # shared blocks from pipeline.cli.options
           p.add_argument("--deep", action="store_true", help="...")

       def run(args: argparse.Namespace) -> int:
           from pipeline.analyze.frob import frob   # imported when the command runs

           result = frob(load_settings(args), site=args.site, deep=args.deep)
           print(result.summary)
           return result.exit_code                  # EXIT_OK etc. from pipeline.cli.exits

   Raise a pipeline.core.errors exception for a failure (never sys.exit); main maps it
   to its exit code and prints its message.
2. Add the module to COMMANDS in `main.py` (its place there is its place in --help).
3. Document `newsvault frob` in the README (tests/test_docs.py checks it).
"""
