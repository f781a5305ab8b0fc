"""The MWAA environment model: the CreateEnvironment-shaped record, its defaults and rules."""
