/* report.h: not written yet */
