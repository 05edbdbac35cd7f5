import os
import sys

from .cli import main

code = main()
if int(os.environ.get("WORLD_SIZE", "1")) > 1:
    # Under torchrun, leave without the interpreter's teardown: gloo's threads could still be
    # running when it destroys their objects ("terminate called without an active exception",
    # SIGABRT after the run had finished and saved: 2–3 runs in 25 on a loaded 2-core machine).
    # The output file is written and renamed before this point; flush what is printed.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
