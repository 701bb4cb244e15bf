from amazing_store.cli import main

raise SystemExit(main())
