/* html.c: not written yet */
