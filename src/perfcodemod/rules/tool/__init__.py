"""PCM0xx: reports about the tool's own work on a file."""
