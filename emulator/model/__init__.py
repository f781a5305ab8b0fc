"""The MWAA model: records, rules, classes, statuses, versions. Imports nothing above it."""
