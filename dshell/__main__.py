from dshell.main import main

raise SystemExit(main())
