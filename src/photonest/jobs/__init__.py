"""The job queue: upstream's queues and job names, persisted in the database, run by the workers."""
