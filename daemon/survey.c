/* survey.c: not written yet */
