"""The state home: settings, files, locks, secrets, the CA."""
