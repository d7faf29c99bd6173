"""The command line: one module per command, each thin (parse the flags,
build the configs, call the library or a tool).

`python -m madlab_dream.<command>` runs `commands.<command>.main()` (through
the module `madlab_dream/<command>.py`, or `madlab_dream/<command>/__main__.py`
for the library packages data and explain). `cli.py` is how every command
runs (one-line errors, exit statuses); `flags.py` defines the flags, from
the settings' dataclasses.
"""
