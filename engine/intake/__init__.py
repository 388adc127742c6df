"""Channel intake: the queue, dedup and merge rules, trusted status from several sources, sync logs."""
