from perfcodemod.cli import main

raise SystemExit(main())
