-- The change feed lives in memory now: SQLite serves one process, whose
-- views start empty, so persisting every change only doubled each write.
DROP TABLE changes;
