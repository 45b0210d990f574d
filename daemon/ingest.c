/* ingest.c: not written yet */
