"""The language server's tests drive it with pytest-lsp, which needs Python 3.10 or newer (the
dev extra installs it there); below that, the modules that need it are not collected."""

from __future__ import annotations

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("pytest_lsp") else ["test_client_*.py"]
