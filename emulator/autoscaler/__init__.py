"""Worker autoscaling as MWAA does it (reference §11): the control plane adds Celery workers
while the backlog needs them and drains them, task by task, after a cooldown."""
