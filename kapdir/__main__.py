import sys

from kapdir.cli import main

sys.exit(main())
