/* store_report.c: not written yet */
