#!/usr/bin/env python
from skillfund.__main__ import main

if __name__ == "__main__":
    main()
