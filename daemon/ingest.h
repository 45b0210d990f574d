/* ingest.h: not written yet */
