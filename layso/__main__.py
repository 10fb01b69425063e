from layso.cli import main

raise SystemExit(main())
