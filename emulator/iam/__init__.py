"""Who may call the MWAA API and what they may do: SigV4 signatures checked against local
principals' keys, and IAM identity policies over MWAA's actions and resources (reference §7)."""
