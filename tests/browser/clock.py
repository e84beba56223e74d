"""`python -m tests.browser.clock`: `skillfund runserver …` with the clock moved to SKILLFUND_BROWSER_NOW
(an ISO datetime) and ticking from there (time-machine moves it for the whole process: `timezone.now()`,
`date.today()`, every thread). Used by demo_server.restart_server(at=…) for journeys that span days."""

from __future__ import annotations

import os
import sys
from datetime import datetime

import time_machine

from skillfund.__main__ import main

if __name__ == "__main__":
    time_machine.travel(datetime.fromisoformat(os.environ["SKILLFUND_BROWSER_NOW"]), tick=True).start()
    sys.argv = ["skillfund", *sys.argv[1:]]
    main()
